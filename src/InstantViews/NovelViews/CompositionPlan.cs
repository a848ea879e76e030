using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// A composition waiting for its generated view (<see cref="ViewComposition.Plan"/>): the warp [3,H,W], the flat indices
/// of its hole pixels, the seam's alpha at them [1,n], and at the seam's resolution [hs, ws] the warp's colours carried
/// into the hole where they reach it (<c>Carried</c>) and where they do not (<c>Unreached</c>, 1 or 0).
/// </summary>
public sealed class CompositionPlan : IDisposable
{
    readonly Tensor warped, at;
    readonly Tensor? alpha, carried, unreached;
    readonly int seamHeight, seamWidth;

    internal CompositionPlan(Tensor warped, Tensor at, Tensor? alpha, Tensor? carried, Tensor? unreached, int seamHeight, int seamWidth) =>
        (this.warped, this.at, this.alpha, this.carried, this.unreached, this.seamHeight, this.seamWidth) = (warped, at, alpha, carried, unreached, seamHeight, seamWidth);

    /// <summary>Number of hole pixels (the pixels the generated view supplies).</summary>
    public long HolePixels => at.shape[0];

    /// <summary>
    /// The composed view [3,H,W]: the warp, with the generated view [3,h,w] (same camera, any size, same aspect) in its
    /// holes; with <paramref name="intoWarp"/> the warp itself becomes the view (returned), otherwise a copy does.
    /// </summary>
    public Tensor Compose(Tensor generated, bool intoWarp = false)
    {
        if (alpha is null || carried is null || unreached is null) return intoWarp ? warped : warped.clone();
        using var scope = NewDisposeScope();
        var (h, w) = ((int)warped.shape[1], (int)warped.shape[2]);
        var generatedSmall = generated.shape[1] == seamHeight && generated.shape[2] == seamWidth ? generated : Resize.To(generated, seamHeight, seamWidth, ResizeFilter.Bilinear);
        var extendedSmall = carried + generatedSmall * unreached;
        // At the hole pixels: the generated view upsampled (bicubic, as Resize.To) and the extended colours (bilinear).
        var up = Resize.At(generated, at, h, w, ResizeFilter.Bicubic).clamp(-1, 1);
        var extended = Resize.At(extendedSmall, at, h, w, ResizeFilter.Bilinear);
        var holeColour = extended.add_(alpha * (up - extended)); // alpha up + (1 - alpha) extended
        var view = intoWarp ? warped : warped.clone();
        view.view(warped.shape[0], -1).index_copy_(1, at, holeColour.to_type(warped.dtype));
        return intoWarp ? view : view.MoveToOuterDisposeScope();
    }

    /// <summary>Takes the plan's tensors out of the current dispose scope (the plan is disposed by its owner instead).</summary>
    public CompositionPlan Detach()
    {
        foreach (var t in new[] { at, alpha, carried, unreached }) t?.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        at.Dispose();
        alpha?.Dispose();
        carried?.Dispose();
        unreached?.Dispose();
    }
}
