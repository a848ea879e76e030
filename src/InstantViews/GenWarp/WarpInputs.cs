using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>What a warp batch was built from: sources [N,3,H,W], their depth [N,H,W], source and target cameras at H x W.</summary>
public sealed record WarpInputs(Tensor Source, Tensor Depth, IReadOnlyList<Camera> Sources, IReadOnlyList<Camera> Targets)
{
    /// <summary>The same inputs at <paramref name="height"/> x <paramref name="width"/>: sources by area, depth nearest, cameras scaled (these when already that size).</summary>
    public WarpInputs Resized(int height, int width) => Source.shape[2] == height && Source.shape[3] == width ? this
        : new(Resize.To(Source, height, width, ResizeFilter.Area), Resize.To(Depth.unsqueeze(1), height, width, ResizeFilter.Nearest).squeeze(1),
            Sources.Select(c => c.Scaled(width, height)).ToList(), Targets.Select(c => c.Scaled(width, height)).ToList());

    /// <summary>The warp batch of these inputs (no targets).</summary>
    public NovelViewBatch Batch() => NovelViewBatch.Build(Source, Depth, Sources, Targets);
}
