using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// What the growth levels of a one-step GenWarp see of the source (brief onestep.md, "Growing"): at each level's
/// resolution, the source forward-warped into the target camera by its depth, with the hole mask — 4 channels.
/// The base level keeps GenWarp's coordinate warp (depth errors are not copied); the levels add the source's detail
/// where the layout is already decided.
/// </summary>
public static class GrowthGuides
{
    /// <summary>
    /// Guides for <paramref name="levels"/> levels above a base of <paramref name="baseHeight"/> x <paramref name="baseWidth"/>:
    /// [N, 4, baseHeight 2^l, baseWidth 2^l] for l = 1..levels, from sources [N,3,H,W] with depth [N,H,W] and their cameras (at H x W).
    /// </summary>
    public static List<Tensor> Build(Tensor source, Tensor depth, IReadOnlyList<Camera> sources, IReadOnlyList<Camera> targets, int baseHeight, int baseWidth, int levels)
    {
        var guides = new List<Tensor>();
        for (int l = 1; l <= levels; l++)
        {
            using var scope = NewDisposeScope();
            int h = baseHeight << l, w = baseWidth << l;
            var same = source.shape[2] == h && source.shape[3] == w;
            var rgb = same ? source : Resize.To(source, h, w, ResizeFilter.Area);
            var d = same ? depth : Resize.To(depth.unsqueeze(1), h, w, ResizeFilter.Nearest).squeeze(1);
            var b = NovelViewBatch.Build(rgb, d, sources.Select(c => c.Scaled(w, h)).ToList(), targets.Select(c => c.Scaled(w, h)).ToList());
            guides.Add(cat([b.WarpedRgb, b.HoleMask], 1).MoveToOuterDisposeScope());
        }
        return guides;
    }
}
