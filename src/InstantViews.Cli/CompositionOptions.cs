using System.CommandLine;
using System.Globalization;
using InstantViews.NovelViews;

namespace InstantViews.Cli;

/// <summary>How a view is composed into the full-resolution warp (`nvs`, `orbit`, `view`, `eval stereo`, `eval warpback`, `genwarp eval`).</summary>
sealed record CompositionOptions(Option<double> Feather, Option<int> SmallHoles, Option<double> ColourMatch, Option<double> ColourReach, Option<string> PoissonDetail, Option<double?> EnclosedDetail)
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
            new Option<double?>("--enclosed-detail") { Description = "With the Poisson composition: the detail share (0 to 1) in enclosed holes, those seen pixels bound on every side (behind objects); --poisson-detail then sets the share in the holes at the frame's edge (default: one share for all)" });
    }

    /// <summary>--poisson-detail: a share 0 to 1, or off (the seam composition).</summary>
    static Option<string> PoissonOption(double? byDefault)
    {
        var option = new Option<string>("--poisson-detail")
        {
            Description = "The holes take the harmonic fill of the warp plus this share (0 to 1) of the generated view's own detail (1: Poisson blending; 0: the harmonic fill alone); off: the generated view itself (the seam composition, which --colour-match adjusts)",
            DefaultValueFactory = _ => byDefault is { } v ? v.ToString(CultureInfo.InvariantCulture) : "off",
        };
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (text != "off" && Share(text) is not (>= 0 and <= 1))
                r.AddError($"--poisson-detail must be a share 0 to 1 or off, got '{text}'");
        });
        return option;
    }

    static double? Share(string text) =>
        text == "off" ? null : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Feather, SmallHoles, ColourMatch, ColourReach, PoissonDetail, EnclosedDetail }) cmd.Options.Add(o);
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
            EnclosedDetail = p.GetValue(EnclosedDetail),
        }.Check();
    }
}
