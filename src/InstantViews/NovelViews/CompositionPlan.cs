using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// A composition waiting for its generated view (<see cref="ViewComposition.Plan"/>): the warp [3,H,W], the flat indices
/// of its hole pixels, the seam's alpha at them [1,n] (times the detail share at each, for the Poisson composition),
/// and at the seam's resolution [hs, ws] the warp's colours carried into the hole where they reach it (<c>Carried</c>)
/// and where they do not (<c>Unreached</c>, 1 or 0).
/// </summary>
public sealed class CompositionPlan : IDisposable
{
    readonly Tensor warped, at;
    readonly Tensor? alpha, carried, unreached, visible, harmonic, near;
    readonly int seamHeight, seamWidth;
    readonly CompositionSettings settings;

    internal CompositionPlan(Tensor warped, Tensor at, Tensor? alpha, Tensor? carried, Tensor? unreached, Tensor? visible, Tensor? harmonic, int seamHeight, int seamWidth, CompositionSettings settings,
        Tensor? near = null) =>
        (this.warped, this.at, this.alpha, this.carried, this.unreached, this.visible, this.harmonic, this.seamHeight, this.seamWidth, this.settings, this.near) =
        (warped, at, alpha, carried, unreached, visible, harmonic, seamHeight, seamWidth, settings, near);

    /// <summary>Number of hole pixels (the pixels the generated view supplies).</summary>
    public long HolePixels => at.shape[0];

    /// <summary>
    /// The composed view [3,H,W]: the warp, with the generated view [3,h,w] (same camera, any size, same aspect) in its
    /// holes; with <paramref name="intoWarp"/> the warp itself becomes the view (returned), otherwise a copy does.
    /// </summary>
    public Tensor Compose(Tensor generated, bool intoWarp = false)
    {
        // A plan without holes has no alpha (ViewComposition.Plan makes it, and the seam's carried colours or the
        // Poisson composition's harmonic fill, only for holes).
        if (alpha is null) return intoWarp ? warped : warped.clone();
        using var scope = NewDisposeScope();
        var (h, w) = ((int)warped.shape[1], (int)warped.shape[2]);
        if (settings.ColourMatch > 0) generated = ColourMatched(generated);
        var holeColour = harmonic is not null ? PoissonColours(generated, h, w) : SeamColours(generated, h, w);
        var view = intoWarp ? warped : warped.clone();
        view.view(warped.shape[0], -1).index_copy_(1, at, holeColour.to_type(warped.dtype));
        return intoWarp ? view : view.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The hole pixels' colours [3,n] of the seam composition: the generated view upsampled (bicubic, as Resize.To) and
    /// the warp's colours carried into the hole (bilinear), alpha of the first and 1 - alpha of the second.
    /// </summary>
    Tensor SeamColours(Tensor generated, int h, int w)
    {
        var generatedSmall = generated.shape[1] == seamHeight && generated.shape[2] == seamWidth ? generated : Resize.To(generated, seamHeight, seamWidth, ResizeFilter.Bilinear);
        var extendedSmall = carried! + generatedSmall * unreached!;
        var up = Resize.At(generated, at, h, w, ResizeFilter.Bicubic).clamp(-1, 1);
        var extended = Resize.At(extendedSmall, at, h, w, ResizeFilter.Bilinear);
        return extended.add_(alpha! * (up - extended)); // alpha up + (1 - alpha) extended
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

    /// <summary>
    /// The hole pixels' colours [3,n] of the Poisson composition (<see cref="CompositionSettings.PoissonDetail"/>): the
    /// harmonic fill of the warp at its full size (made with the plan) plus the seam's alpha times the share (the plan's alpha
    /// holds both; the share of enclosed holes can differ, <see cref="CompositionSettings.EnclosedDetail"/>) times the
    /// generated view's detail, the view minus the harmonic fill of its own values around the holes (at its size, the
    /// holes being its pixels not fully seen; upsampled bicubic). The fill is linear: a view that is the truth off by a
    /// constant colour comes out as the truth. With the far side only (<see cref="CompositionSettings.FarSide"/>) both
    /// harmonic fills leave the occluders out (at the view's size, its seen pixels that hold any occluder pixel).
    /// </summary>
    Tensor PoissonColours(Tensor generated, int h, int w)
    {
        var (gh, gw) = ((int)generated.shape[1], (int)generated.shape[2]);
        var g = generated.to_type(ScalarType.Float32);
        // The share of each of the view's pixels the warp sees (the visible mask area-downsampled, as Seen makes it).
        Tensor AtViewSize(Tensor mask) => gh == warped.shape[1] && gw == warped.shape[2] ? mask : Resize.To(mask, gh, gw, ResizeFilter.Area);
        var seenShare = AtViewSize(visible!);
        var holes = seenShare[0].le(0.999f);
        // No fully seen pixel at the view's size: its detail is its difference from its own mean colour.
        Tensor? blocked = null;
        if (near is not null)
        {
            var nearShare = AtViewSize(near.to_type(ScalarType.Float32).unsqueeze(0))[0];
            blocked = nearShare.gt(0) & holes.logical_not();
            // Every seen pixel an occluder's: nothing to fill from but the occluders, as without the far side.
            if ((holes | blocked).all().item<bool>()) blocked = null;
        }
        var own = holes.all().item<bool>() ? g.mean([1, 2], keepdim: true).expand_as(g) : HoleFill.Harmonic(g, holes, blocked: blocked);
        var ownDetail = Resize.At(g - own, at, h, w, ResizeFilter.Bicubic);
        return (harmonic! + alpha! * ownDetail).clamp(-1, 1);
    }

    /// <summary>Takes the plan's tensors out of the current dispose scope (the plan is disposed by its owner instead).</summary>
    public CompositionPlan Detach()
    {
        foreach (var t in new[] { at, alpha, carried, unreached, visible, harmonic, near }) t?.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        at.Dispose();
        alpha?.Dispose();
        carried?.Dispose();
        unreached?.Dispose();
        visible?.Dispose();
        harmonic?.Dispose();
        near?.Dispose();
    }
}
