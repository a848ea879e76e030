using InstantViews.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>
/// What the growth levels of a one-step GenWarp see of the source (docs/genwarp.md, "Growing the one-step model"): at each level's
/// resolution, the source forward-warped into the target camera by its depth, with the hole mask — 4 channels.
/// The base level keeps GenWarp's coordinate warp (depth errors are not copied); the levels add the source's detail
/// where the layout is already decided.
/// </summary>
public static class GrowthGuides
{
    /// <summary>
    /// Guides for <paramref name="levels"/> levels above a base of <paramref name="baseHeight"/> x <paramref name="baseWidth"/>:
    /// [N, 4, baseHeight 2^l, baseWidth 2^l] for l = 1..levels, from <paramref name="inputs"/> at any size.
    /// </summary>
    public static List<Tensor> Build(WarpInputs inputs, int baseHeight, int baseWidth, int levels, NovelViewBatch? warped = null)
    {
        var guides = new List<Tensor>();
        for (int l = 1; l <= levels; l++)
        {
            using var scope = NewDisposeScope();
            var (h, w) = (baseHeight << l, baseWidth << l);
            // A batch already warped at this level's size (the pipeline's own, at the output size) is the guide: no second warp.
            var b = warped is { } given && given.WarpedRgb.shape[2] == h && given.WarpedRgb.shape[3] == w ? given : inputs.Resized(h, w).Batch();
            guides.Add(cat([b.WarpedRgb, b.HoleMask], 1).MoveToOuterDisposeScope());
        }
        return guides;
    }

    /// <summary>
    /// What a generator grown by <paramref name="levels"/> levels needs from inputs at its output size: the warp batch at
    /// the base size (the inputs resized) and one guide per level, on <paramref name="device"/>. <paramref name="warped"/>,
    /// the inputs already warped at the output size, serves as the top level's guide.
    /// </summary>
    public static (NovelViewBatch Base, List<Tensor> Guides) Prepare(WarpInputs inputs, int levels, Device device, NovelViewBatch? warped = null)
    {
        var (bh, bw) = ((int)inputs.Source.shape[2] >> levels, (int)inputs.Source.shape[3] >> levels);
        return (inputs.Resized(bh, bw).Batch().To(device), Build(inputs, bh, bw, levels, warped).Select(g => g.to(device)).ToList());
    }
}
