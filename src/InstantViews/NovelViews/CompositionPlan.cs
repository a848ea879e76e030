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
    readonly Tensor? alpha, carried, unreached, visible;
    readonly int seamHeight, seamWidth;
    readonly CompositionSettings settings;

    internal CompositionPlan(Tensor warped, Tensor at, Tensor? alpha, Tensor? carried, Tensor? unreached, Tensor? visible, int seamHeight, int seamWidth, CompositionSettings settings) =>
        (this.warped, this.at, this.alpha, this.carried, this.unreached, this.visible, this.seamHeight, this.seamWidth, this.settings) =
        (warped, at, alpha, carried, unreached, visible, seamHeight, seamWidth, settings);

    /// <summary>Number of hole pixels (the pixels the generated view supplies).</summary>
    public long HolePixels => at.shape[0];

    /// <summary>
    /// The composed view [3,H,W]: the warp, with the generated view [3,h,w] (same camera, any size, same aspect) in its
    /// holes; with <paramref name="intoWarp"/> the warp itself becomes the view (returned), otherwise a copy does.
    /// </summary>
    public Tensor Compose(Tensor generated, bool intoWarp = false)
    {
        // A plan without holes has none of the three (ViewComposition.Plan makes all or none).
        if (alpha is null) return intoWarp ? warped : warped.clone();
        using var scope = NewDisposeScope();
        var (h, w) = ((int)warped.shape[1], (int)warped.shape[2]);
        if (settings.ColourMatch > 0) generated = ColourMatched(generated);
        var generatedSmall = generated.shape[1] == seamHeight && generated.shape[2] == seamWidth ? generated : Resize.To(generated, seamHeight, seamWidth, ResizeFilter.Bilinear);
        var extendedSmall = carried! + generatedSmall * unreached!;
        // At the hole pixels: the generated view upsampled (bicubic, as Resize.To) and the extended colours (bilinear).
        var up = Resize.At(generated, at, h, w, ResizeFilter.Bicubic).clamp(-1, 1);
        var extended = Resize.At(extendedSmall, at, h, w, ResizeFilter.Bilinear);
        var holeColour = extended.add_(alpha * (up - extended)); // alpha up + (1 - alpha) extended
        var view = intoWarp ? warped : warped.clone();
        view.view(warped.shape[0], -1).index_copy_(1, at, holeColour.to_type(warped.dtype));
        return intoWarp ? view : view.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generated view [3,h,w] moved towards the warp's colours (<see cref="CompositionSettings.ColourMatch"/>): at its
    /// size, the difference warp - generated over the fully seen pixels is carried into the holes by a normalised
    /// Gaussian fill, fading where its weight is under a quarter (so the correction ends smoothly; a hole pixel next to a
    /// straight edge has about a third), and that share of it
    /// is added.
    /// </summary>
    Tensor ColourMatched(Tensor generated)
    {
        var (gh, gw) = ((int)generated.shape[1], (int)generated.shape[2]);
        var (colours, seenShare) = ViewComposition.Seen(warped.to_type(ScalarType.Float32), visible!, gh, gw);
        var seen = seenShare.gt(0.999f).to_type(ScalarType.Float32);
        var difference = (colours / seenShare.clamp_min(1e-6f) - generated) * seen;
        var radius = Math.Max(1, (int)Math.Round(settings.ColourMatchRadius * Math.Max(gh, gw)));
        var (carried, weight) = ViewComposition.NormalisedFill(difference, seen, radius);
        // carried * min(1, 4 weight): the full difference next to the seen pixels, fading to none where little of it reaches.
        return generated + carried * (4 * weight).clamp_max(1) * (float)settings.ColourMatch;
    }

    /// <summary>Takes the plan's tensors out of the current dispose scope (the plan is disposed by its owner instead).</summary>
    public CompositionPlan Detach()
    {
        foreach (var t in new[] { at, alpha, carried, unreached, visible }) t?.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        at.Dispose();
        alpha?.Dispose();
        carried?.Dispose();
        unreached?.Dispose();
        visible?.Dispose();
    }
}
