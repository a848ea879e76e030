using System.CommandLine;
using InstantViews.NovelViews;

namespace InstantViews.Cli;

/// <summary>How a view is composed into the full-resolution warp (`nvs`, `orbit`, `view`, `eval stereo`, `eval warpback`).</summary>
sealed record CompositionOptions(Option<double> Feather, Option<int> SmallHoles, Option<double> ColourMatch, Option<double> ColourReach)
{
    public static CompositionOptions Create()
    {
        var d = CompositionSettings.Default;
        return new(
            new Option<double>("--feather") { Description = "The seam between the warp and the generated view, as a fraction of the long side (at least 2 px; 0: a hard paste)", DefaultValueFactory = _ => d.FeatherFraction },
            new Option<int>("--small-holes") { Description = "Hole pixels an opening of this radius removes (cracks at most 2R pixels wide) take the warp's colours carried into the hole, not the generated view (0: none)", DefaultValueFactory = _ => d.SmallHoleRadius },
            new Option<double>("--colour-match") { Description = "Share (0 to 1) of the warp-minus-generated colour difference, carried into the holes, added to the generated view (0: none)", DefaultValueFactory = _ => d.ColourMatch },
            new Option<double>("--colour-reach") { Description = "With --colour-match: how far the difference is carried, as a fraction of the generated view's long side", DefaultValueFactory = _ => d.ColourMatchRadius });
    }

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Feather, SmallHoles, ColourMatch, ColourReach }) cmd.Options.Add(o);
    }

    /// <summary>The settings the command line gives (ranges checked by the parser, <see cref="OptionRules"/>).</summary>
    public CompositionSettings Settings(ParseResult p) => new()
    {
        FeatherFraction = p.GetValue(Feather),
        SmallHoleRadius = p.GetValue(SmallHoles),
        ColourMatch = p.GetValue(ColourMatch),
        ColourMatchRadius = p.GetValue(ColourReach),
    };
}
