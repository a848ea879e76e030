using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace InstantViews.Cli;

/// <summary>
/// Range checks every numeric option gets from the parser, by option name, so a bad value is a usage error (exit 2)
/// before any work: every floating-point option must be finite; counts, sizes, rates and durations positive;
/// weights, delays and indices non-negative; a few (photo size, zoom, frame delay) within a closed range.
/// </summary>
public static class OptionRules
{
    static readonly HashSet<string> Positive =
    [
        "--alpha", "--baseline-mm", "--batch", "--channels", "--checkpoint-every", "--checkpoint-minutes", "--chunk", "--count", "--disparity-scale", "--distil-batch", "--distil-steps", "--feature-size", "--focal", "--fill-size", "--amount", "--stereo", "--frames", "--height",
        "--kid-subset-size", "--kid-subsets", "--level-channels", "--lr", "--max-size", "--minutes", "--pairs", "--perceptual-size", "--resolution", "--seconds", "--sigma-max", "--size",
        "--spp", "--steps", "--width", "--zoom",
    ];

    static readonly HashSet<string> NonNegative =
    [
        "--adversarial-weight", "--occluded-weight", "--delay", "--distil-weight", "--frame", "--frozen-steps", "--encoder-rate", "--guidance", "--max-step", "--sample-every", "--target-frame", "--threads",
    ];

    /// <summary>
    /// Options with a closed range, the same for every verb that has them: (least, most, what the numbers are). The range
    /// is checked instead of the sign rule above.
    /// </summary>
    static readonly Dictionary<string, (double Min, double Max, string Unit)> Ranges = new()
    {
        // The photo's long side (`view`, `nvs`, `orbit`); PhotoViewSizes.Check says the same.
        ["--max-size"] = (8, 8192, " pixels"),
        ["--zoom"] = (1, 16, ""),
        ["--fps"] = (1, 240, " frames per second"),
        ["--port"] = (0, 65535, " (0: any free port)"),
        ["--delay"] = (0, 655350, " ms (a GIF frame delay is a 16-bit count of centiseconds)"),
        ["--max-disparity"] = (0.001, 0.9, " of the image width"),
        // The composition (CompositionSettings.Check says the same).
        ["--feather"] = (0, 0.25, " of the long side"),
        ["--small-holes"] = (0, 16, " pixels"),
        ["--colour-match"] = (0, 1, ""),
        ["--colour-reach"] = (0.001, 1, " of the generated view's long side"),
        ["--enclosed-detail"] = (0, 1, ""),
        ["--far-side-reach"] = (0.001, 1, " of the long side"),
        ["--occluders"] = (0, 1, " (a chance per pair)"),
        ["--mix"] = (0, 1, " (a share of each batch)"),
        ["--noise-scale"] = (0, 1, " of sigma_max"),
    };

    /// <summary>Adds the checks to every numeric option of <paramref name="command"/> and its subcommands.</summary>
    public static void Apply(Command command) => Apply(command, []);

    static void Apply(Command command, HashSet<Option> done)
    {
        // An option shared by several commands gets its check once.
        foreach (var option in command.Options) if (done.Add(option)) Add(option);
        foreach (var sub in command.Subcommands) Apply(sub, done);
    }

    static void Add(Option option)
    {
        Func<OptionResult, double?>? read = option switch
        {
            Option<int> => r => r.GetValueOrDefault<int>(),
            Option<int?> => r => r.GetValueOrDefault<int?>(),
            Option<long> => r => r.GetValueOrDefault<long>(),
            Option<long?> => r => r.GetValueOrDefault<long?>(),
            Option<double> => r => r.GetValueOrDefault<double>(),
            Option<double?> => r => r.GetValueOrDefault<double?>(),
            _ => null,
        };
        if (read is null) return;
        option.Validators.Add(result =>
        {
            if (result.Implicit) return;
            double? v;
            try { v = read(result); }
            catch (InvalidOperationException) { return; } // not a number at all: the parser reports that itself
            if (v is not { } x) return;
            var text = x.ToString(CultureInfo.InvariantCulture);
            if (!double.IsFinite(x)) result.AddError($"{option.Name} must be a finite number, got {text}");
            else if (Ranges.TryGetValue(option.Name, out var range))
            {
                if (x < range.Min || x > range.Max)
                    result.AddError($"{option.Name} must be {range.Min.ToString(CultureInfo.InvariantCulture)} to {range.Max.ToString(CultureInfo.InvariantCulture)}{range.Unit}, got {text}");
            }
            else if (Positive.Contains(option.Name) && x <= 0) result.AddError($"{option.Name} must be positive, got {text}");
            else if (NonNegative.Contains(option.Name) && x < 0) result.AddError($"{option.Name} must not be negative, got {text}");
        });
    }
}
