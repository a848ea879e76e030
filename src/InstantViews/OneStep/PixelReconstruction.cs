using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>
/// A reconstruction loss that reads no network (AdaMPI's, Han et al. 2022): per sample, the mean absolute difference
/// plus 1 - SSIM over the whole view, plus <c>occludedWeight</c> times the same two terms over the hole pixels (the
/// pixels the warp does not reach, where the model's fill is all there is). Views and targets in [-1, 1] are compared
/// in [0, 1], as the evaluation's PSNR and SSIM are.
/// </summary>
public static class PixelReconstruction
{
    /// <summary>The loss [N] of views [N,3,H,W] against targets, holes [N,1,H,W] (1 = hole; H, W >= 11 for SSIM).</summary>
    public static Tensor Compute(Tensor view, Tensor target, Tensor holes, double occludedWeight)
    {
        using var scope = NewDisposeScope();
        var (x, y) = (view.add(1).div(2), target.add(1).div(2));
        var difference = (x - y).abs();
        var dissimilarity = 1 - Ssim.Map(x, y);
        var loss = difference.mean([1L, 2L, 3L]) + Ssim.Reduce(dissimilarity);
        if (occludedWeight != 0)
        {
            var h = holes.to_type(difference.dtype);
            // Images without holes add nothing: each term is a mean over the hole pixels, 0 when there are none.
            var occludedDifference = (difference * h).sum([1L, 2L, 3L]) / (h.sum([1L, 2L, 3L]) * difference.shape[1]).clamp_min(1);
            loss = loss + occludedWeight * (occludedDifference + Ssim.Reduce(dissimilarity, h));
        }
        return loss.MoveToOuterDisposeScope();
    }
}
