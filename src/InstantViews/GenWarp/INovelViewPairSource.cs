using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Training pairs by index, whatever makes them (procedural scenes, <see cref="ScenePairs"/>; real photographs warped
/// back, <see cref="WarpBackPairs"/>): pair i is a pure function of the source's settings and i.
/// </summary>
public interface INovelViewPairSource : IDisposable
{
    /// <summary>The pairs of <paramref name="indices"/> at the source's own size: what each is warped from, and its target views [N,3,H,W].</summary>
    (WarpInputs Inputs, Tensor Targets) Pairs(IReadOnlyList<long> indices);
}

/// <summary>Batches of any pair source, made as inference makes them.</summary>
public static class NovelViewPairSources
{
    /// <summary>
    /// The batch of pairs <paramref name="indices"/> at <paramref name="resolution"/> on the long side (the source's own
    /// size when equal): inputs resized as <see cref="WarpInputs.Resized"/> resizes a photo for the model (sources by
    /// area, depth nearest, cameras scaled), targets by area, then warped.
    /// </summary>
    public static NovelViewBatch Batch(this INovelViewPairSource source, IReadOnlyList<long> indices, int resolution, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var (inputs, targets) = source.Pairs(indices);
        var (h, w) = Scaled((int)inputs.Source.shape[2], (int)inputs.Source.shape[3], resolution);
        var small = inputs.Resized(h, w);
        var target = targets.shape[2] == h && targets.shape[3] == w ? targets : Imaging.Resize.To(targets, h, w, Imaging.ResizeFilter.Area);
        return NovelViewBatch.Build(small.Source, small.Depth, small.Sources, small.Targets, target).To(device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>(height, width) with the long side <paramref name="resolution"/> and the same aspect ratio (rounded).</summary>
    public static (int Height, int Width) Scaled(int height, int width, int resolution) =>
        height >= width ? (resolution, Math.Max(1, (int)Math.Round((double)width * resolution / height))) : (Math.Max(1, (int)Math.Round((double)height * resolution / width)), resolution);
}
