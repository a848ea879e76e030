using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>A view made for a pose: the image [3,H,W] in [-1, 1] and where its time went (milliseconds).</summary>
public sealed record PhotoView(Tensor Image, RigidTransform Pose, double Milliseconds, double GenerateMilliseconds, double ComposeMilliseconds) : IDisposable
{
    public void Dispose() => Image.Dispose();
}
