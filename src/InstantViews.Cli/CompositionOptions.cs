using System.CommandLine;
using System.Globalization;
using InstantViews.NovelViews;

namespace InstantViews.Cli;

/// <summary>How a view is composed into the full-resolution warp (`nvs`, `orbit`, `view`, `eval stereo`, `eval warpback`, `genwarp eval`).</summary>
sealed record CompositionOptions(Option<double> Feather, Option<int> SmallHoles, Option<double> ColourMatch, Option<double> ColourReach, Option<string> PoissonDetail, Option<double?> EnclosedDetail,
    Option<string> FarSide, Option<double> FarSideReach)
{
    public static CompositionOptions Create()
    {
        var d = CompositionSettings.Default;
        return new(
            new Option<double>("--feather") { Description = "The seam between the warp and the generated view, as a fraction of the long side (at least 2 px; 0: a hard paste)", DefaultValueFactory = _ => d.FeatherFraction },
            new Option<int>("--small-holes") { Description = "Hole pixels an opening of this radius removes (cracks at most 2R pixels wide) take the warp's colours carried into the hole, not the generated view (0: none)", DefaultValueFactory = _ => d.SmallHoleRadius },
            new Option<double>("--colour-match") { Description = "Share (0 to 1) of the warp-minus-generated colour difference, carried into the holes, added to the generated view (0: none)", DefaultValueFactory = _ => d.ColourMatch },
            new Option<double>("--colour-reach") { Description = "With --colour-match: how far the difference is carried, as a fraction of the generated view's long side", DefaultValueFactory = _ => d.ColourMatchRadius },
            PoissonOption(d.PoissonDetail),
            new Option<double?>("--enclosed-detail") { Description = "With the Poisson composition: the detail share (0 to 1) in enclosed holes, those seen pixels bound on every side (behind objects); --poisson-detail then sets the share in the holes at the frame's edge", DefaultValueFactory = _ => d.EnclosedDetail },
            FarSideOption(d.FarSide),
            new Option<double>("--far-side-reach") { Description = "With --far-side: how far the far side of a hole is looked for, as a fraction of the long side", DefaultValueFactory = _ => d.FarSideReach });
    }

    /// <summary>--far-side: a depth margin 0 to 10, or off.</summary>
    static Option<string> FarSideOption(double? byDefault) => NumberOrOff("--far-side",
        "The holes' classical colours come from the far side only: seen pixels beside a hole in front of a farther one (within --far-side-reach) by more than this share of their depth (the object that uncovered the hole) give them nothing; off: every seen pixel beside a hole does",
        byDefault, 10, "a depth margin 0 to 10 (e.g. 0.3)");

    /// <summary>--poisson-detail: a share 0 to 1, or off (the seam composition).</summary>
    static Option<string> PoissonOption(double? byDefault) => NumberOrOff("--poisson-detail",
        "The holes take the harmonic fill of the warp plus this share (0 to 1) of the generated view's own detail (1: Poisson blending; 0: the harmonic fill alone); off: the generated view itself (the seam composition, which --colour-match adjusts)",
        byDefault, 1, "a share 0 to 1");

    /// <summary>An option that is a number from 0 to <paramref name="max"/> (<paramref name="what"/> in its error) or off.</summary>
    static Option<string> NumberOrOff(string name, string description, double? byDefault, double max, string what)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            DefaultValueFactory = _ => byDefault is { } v ? v.ToString(CultureInfo.InvariantCulture) : "off",
        };
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (text != "off" && !(Share(text) is { } x && x >= 0 && x <= max))
                r.AddError($"{name} must be {what} or off, got '{text}'");
        });
        return option;
    }

    static double? Share(string text) =>
        text == "off" ? null : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Feather, SmallHoles, ColourMatch, ColourReach, PoissonDetail, EnclosedDetail, FarSide, FarSideReach }) cmd.Options.Add(o);
    }

    /// <summary>
    /// The settings the command line gives (ranges checked by the parser, <see cref="OptionRules"/>); colour matching
    /// given without --poisson-detail turns the Poisson composition off (it adjusts the seam composition).
    /// </summary>
    public CompositionSettings Settings(ParseResult p)
    {
        var poisson = p.GetValue(ColourMatch) > 0 && p.GetResult(PoissonDetail) is null or { Implicit: true } ? null : Share(p.GetValue(PoissonDetail)!);
        return new CompositionSettings
        {
            FeatherFraction = p.GetValue(Feather),
            SmallHoleRadius = p.GetValue(SmallHoles),
            ColourMatch = p.GetValue(ColourMatch),
            ColourMatchRadius = p.GetValue(ColourReach),
            PoissonDetail = poisson,
            // The enclosed holes' share is the Poisson composition's: its default goes with it (given, it is checked).
            EnclosedDetail = poisson is null && p.GetResult(EnclosedDetail) is null or { Implicit: true } ? null : p.GetValue(EnclosedDetail),
            FarSide = Share(p.GetValue(FarSide)!),
            FarSideReach = p.GetValue(FarSideReach),
        }.Check();
    }
}
