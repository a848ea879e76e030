using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>Two views of one scene with their covisibility (fraction of target pixels seen by the source).</summary>
public sealed record ViewPair(RenderedView Source, RenderedView Target, double Covisibility)
{
    public Camera SourceCamera => Source.Camera;
    public Camera TargetCamera => Target.Camera;

    /// <summary>Source RGB [3, H, W] in [-1, 1].</summary>
    public Tensor SourceRgb() => Source.RgbTensor();

    /// <summary>Target RGB [3, H, W] in [-1, 1].</summary>
    public Tensor TargetRgb() => Target.RgbTensor();

    /// <summary>Source z-depth [H, W] in metres.</summary>
    public Tensor SourceDepth() => Source.DepthTensor();
}
