using InstantViews.Imaging;
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
    public static Tensor Compute(Tensor view, Tensor target, Tensor holes, double occludedWeight) => Compute(view, target, holes, occludedWeight, null);

    /// <summary>
    /// <see cref="Compute(Tensor, Tensor, Tensor, double)"/> with the terms over the hole pixels read off
    /// <paramref name="occludedView"/> [N,3,H,W] instead of the view (the view as it will be composed, <see cref="Composed"/>).
    /// </summary>
    public static Tensor Compute(Tensor view, Tensor target, Tensor holes, double occludedWeight, Tensor? occludedView)
    {
        using var scope = NewDisposeScope();
        var (x, y) = (view.add(1).div(2), target.add(1).div(2));
        var difference = (x - y).abs();
        var dissimilarity = 1 - Ssim.Map(x, y);
        var loss = difference.mean([1L, 2L, 3L]) + Ssim.Reduce(dissimilarity);
        if (occludedWeight != 0)
        {
            if (occludedView is not null)
            {
                var composed = occludedView.add(1).div(2);
                (difference, dissimilarity) = ((composed - y).abs(), 1 - Ssim.Map(composed, y));
            }
            var h = holes.to_type(difference.dtype);
            // Images without holes add nothing: each term is a mean over the hole pixels, 0 when there are none.
            var occludedDifference = (difference * h).sum([1L, 2L, 3L]) / (h.sum([1L, 2L, 3L]) * difference.shape[1]).clamp_min(1);
            loss = loss + occludedWeight * (occludedDifference + Ssim.Reduce(dissimilarity, h));
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Views [N,3,H,W] as the Poisson composition with all their detail composes them at their own size
    /// (<see cref="NovelViews.CompositionSettings.PoissonDetail"/> 1): in the holes [N,1,H,W] the harmonic fill of the warp
    /// [N,3,H,W] plus the view minus the harmonic fill of its own seen pixels; elsewhere the warp (as a composed view is).
    /// The fills are constants to the gradient: a hole pixel's gradient is exact (neither fill reads a hole pixel); the
    /// seen pixels, which the view's own terms train, get none from here. A view with no seen pixel is itself.
    /// </summary>
    public static Tensor Composed(Tensor view, Tensor warp, Tensor holes)
    {
        using var scope = NewDisposeScope();
        var hole = holes.gt(0.5f);
        var fills = new List<Tensor>();
        using (no_grad())
            for (int i = 0; i < view.shape[0]; i++)
            {
                var mask = hole[i, 0];
                var m = mask.to_type(ScalarType.Float32);
                fills.Add(mask.all().item<bool>() ? zeros_like(view[i]) : HoleFill.Harmonic(warp[i].detach(), m) - HoleFill.Harmonic(view[i].detach(), m));
            }
        var offset = stack(fills).to(view.device).to_type(view.dtype);
        return where(hole, (view + offset).clamp(-1, 1), warp.to_type(view.dtype)).MoveToOuterDisposeScope();
    }
}
