using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>What a grown one-step GenWarp needs per batch: the base-resolution condition, one guide per level, the full-size targets.</summary>
public sealed record GrownBatch(NovelViewBatch Base, IReadOnlyList<Tensor> Guides, Tensor Target)
{
    /// <summary>
    /// A batch for a grown one-step GenWarp from pairs <paramref name="indices"/> of <paramref name="data"/> at its output
    /// size (pairs made larger are resized first, as inference resizes a photo): the base-resolution condition (source
    /// area-downsampled, its depth nearest-downsampled, warped at the base size), one guide per growth level
    /// (<see cref="GrowthGuides"/>) and the full-size targets.
    /// </summary>
    public static GrownBatch From(INovelViewPairSource data, IReadOnlyList<long> indices, int baseResolution, int levels, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var (inputs, target) = data.Pairs(indices);
        var (oh, ow) = NovelViewPairSources.Scaled((int)inputs.Source.shape[2], (int)inputs.Source.shape[3], baseResolution << levels);
        if (oh < inputs.Source.shape[2] || ow < inputs.Source.shape[3])
            (inputs, target) = (inputs.Resized(oh, ow), Resize.To(target, oh, ow, ResizeFilter.Area));
        var (h, w) = ((int)inputs.Source.shape[2], (int)inputs.Source.shape[3]);
        var (bh, bw) = (h >> levels, w >> levels);
        if (bh << levels != h || bw << levels != w || Math.Max(bh, bw) != baseResolution)
            throw new ArgumentException($"pairs rendered at {w}x{h} do not grow from {baseResolution}px in {levels} level(s)");
        var (small, guides) = GrowthGuides.Prepare(inputs, levels, device ?? CPU);
        foreach (var g in guides) g.MoveToOuterDisposeScope();
        return new GrownBatch(small.MoveToOuterDisposeScope(), guides, target.to(device ?? CPU).MoveToOuterDisposeScope()); // the base has no target
    }
}
