using InstantViews.Runtime;

namespace InstantViews.NovelViews;

/// <summary>
/// How <see cref="ViewComposition"/> joins the warp and the generated view. The defaults are the composition as it
/// ships: the Poisson composition with a quarter of the generated view's detail (chosen on the validation photos and
/// scenes, docs/real-photos.md), its detail faded in across a seam of 2 % of the long side, no small-hole rule; the
/// holes' classical colours from the far side only (margin 0.3, reach 5 % of the long side) and no generated detail in
/// the holes enclosed by seen pixels (both chosen on the validation photos, docs/real-photos.md#from-the-far-side).
/// </summary>
public sealed record CompositionSettings
{
    /// <summary>The settings as shipped.</summary>
    public static CompositionSettings Default { get; } = new();

    /// <summary>The seam composition, the default until the Poisson composition: the generated view itself in the holes.</summary>
    public static CompositionSettings Seam { get; } = new() { PoissonDetail = null, EnclosedDetail = null };

    /// <summary>The far side's depth margin as shipped (<see cref="FarSide"/>).</summary>
    public const double ShippedFarSide = 0.3;

    /// <summary>The seam's width as a fraction of the view's long side (at least 2 px); 0 pastes the generated view hard.</summary>
    public double FeatherFraction { get; init; } = 0.02;

    /// <summary>The seam's width in pixels, instead of <see cref="FeatherFraction"/> (0: hard paste).</summary>
    public int? FeatherPixels { get; init; }

    /// <summary>
    /// Hole pixels that a morphological opening of this radius (pixels at the view's size) removes, cracks and slivers
    /// at most 2r pixels wide, take the warp's colours carried into the hole instead of the generated view; 0: none do.
    /// </summary>
    public int SmallHoleRadius { get; init; }

    /// <summary>
    /// Colour matching, 0 to 1: at the generated view's size, its difference from the warp over the seen pixels is
    /// carried into the holes (a normalised Gaussian fill) and this share of it is added to the generated view.
    /// </summary>
    public double ColourMatch { get; init; }

    /// <summary>The colour matching's reach, as a fraction of the generated view's long side (at least 1 px).</summary>
    public double ColourMatchRadius { get; init; } = 0.1;

    /// <summary>
    /// Poisson composition, instead of <see cref="ColourMatch"/> (null: off): the holes take the harmonic fill of the warp
    /// (at the warp's size) plus this share (0 to 1) of the generated view's own detail, the view minus the harmonic fill
    /// of its values around the holes, faded in across the seam. 1 is Poisson blending (the generated view's gradients,
    /// the warp's colours at the hole's border); 0 the harmonic fill alone.
    /// </summary>
    public double? PoissonDetail { get; init; } = 0.25;

    /// <summary>
    /// The Poisson composition's detail share in enclosed holes, the hole regions that do not reach the frame's edge
    /// (<see cref="ViewComposition.Enclosed"/>: the disocclusions behind an object, seen pixels on every side), instead of
    /// <see cref="PoissonDetail"/>, which then holds for the holes at the frame's edge; null: one share for all holes.
    /// </summary>
    public double? EnclosedDetail { get; init; } = 0;

    /// <summary>
    /// The far side only (null: off): the holes' classical colours (the Poisson composition's harmonic fill, the seam
    /// composition's carried colours, and the harmonic fill that the generated view's detail is measured against) read
    /// no seen pixel beside a hole that is in front of the farthest seen pixel within <see cref="FarSideReach"/> by more
    /// than this share of its depth (<see cref="ViewComposition.Occluders"/>): a disocclusion takes the colours of what
    /// lies behind the object that uncovered it, not the object's. It reads the warp's depth; a composition given none
    /// reads every seen pixel.
    /// </summary>
    public double? FarSide { get; init; } = ShippedFarSide;

    /// <summary>
    /// The margin of the classical far-side fill that stands beside the models as a baseline row (`harmonic-far`,
    /// `warp+harmonic-far`): <see cref="FarSide"/>, or the shipped margin when the composition has it off.
    /// </summary>
    public double BaselineFarSide => FarSide ?? ShippedFarSide;

    /// <summary>How far the far side is looked for, as a fraction of the view's long side (at least 1 px).</summary>
    public double FarSideReach { get; init; } = 0.05;

    /// <summary>The far side's reach in pixels for a view of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public int FarSidePixels(int height, int width) => Math.Max(1, (int)Math.Round(FarSideReach * Math.Max(height, width)));

    /// <summary>The seam's width in pixels for a view of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public int Feather(int height, int width) =>
        FeatherPixels ?? (FeatherFraction == 0 ? 0 : Math.Max(2, (int)Math.Round(FeatherFraction * Math.Max(height, width))));

    /// <summary>Refuses settings out of range, naming the setting.</summary>
    public CompositionSettings Check()
    {
        if (!(FeatherFraction is >= 0 and <= 0.25)) throw new UserError($"the seam's width must be 0 to 0.25 of the long side, got {FeatherFraction}");
        if (FeatherPixels is < 0 or > 512) throw new UserError($"the seam's width must be 0 to 512 pixels, got {FeatherPixels}");
        if (SmallHoleRadius is < 0 or > 16) throw new UserError($"the small-hole radius must be 0 to 16 pixels, got {SmallHoleRadius}");
        if (!(ColourMatch is >= 0 and <= 1)) throw new UserError($"the colour matching must be 0 to 1, got {ColourMatch}");
        if (!(ColourMatchRadius is > 0 and <= 1)) throw new UserError($"the colour matching's reach must be above 0 and at most 1 of the long side, got {ColourMatchRadius}");
        if (PoissonDetail is { } d && !(d is >= 0 and <= 1)) throw new UserError($"the Poisson composition's detail share must be 0 to 1, got {d}");
        if (EnclosedDetail is { } e && !(e is >= 0 and <= 1)) throw new UserError($"the detail share in enclosed holes must be 0 to 1, got {e}");
        if (FarSide is { } f && !(f is >= 0 and <= 10)) throw new UserError($"the far side's depth margin must be 0 to 10 (a share of the depth), got {f}");
        if (!(FarSideReach is >= 0.001 and <= 1)) throw new UserError($"the far side's reach must be 0.001 to 1 of the long side, got {FarSideReach}");
        if (EnclosedDetail is not null && PoissonDetail is null) throw new UserError("a detail share for enclosed holes is for the Poisson composition: give --poisson-detail a share, without --colour-match");
        if (PoissonDetail is not null && ColourMatch > 0) throw new UserError("colour matching is for the seam composition: turn the Poisson composition off to use it (--poisson-detail off)");
        return this;
    }
}
