using System.Globalization;

namespace InstantViews.OneStep;

/// <summary>
/// Everything the pairs of a folder depend on, kept in the folder as pairs.json (written atomically before the first
/// chunk): the teacher's weights (content hash), the pair count, the chunk size and the stream and inversion settings.
/// A run into a folder whose pairs.json differs is refused before any work; an equal one resumes.
/// </summary>
public sealed record NovelViewPairsRun
{
    public string Teacher { get; init; } = "";
    public int Count { get; init; }
    public int Chunk { get; init; }
    public NovelViewPairsConfig Config { get; init; } = new();

    /// <summary>Each setting by the option that sets it, and its value as shown in messages.</summary>
    IEnumerable<(string Name, string Value)> Settings()
    {
        static string S(IFormattable v) => v.ToString(null, CultureInfo.InvariantCulture);
        yield return ("--teacher", Teacher.Length > 23 ? Teacher[..23] : Teacher);
        yield return ("--count", S(Count));
        yield return ("--chunk", S(Chunk));
        yield return ("--steps", S(Config.Steps));
        yield return ("--guidance", S(Config.Guidance));
        yield return ("--seed", S(Config.Seed));
        yield return ("--depth", Config.Depth);
        yield return ("resolution (the teacher's)", S(Config.Resolution));
        yield return ("sigma_max (the teacher's)", S(Config.SigmaMax));
        yield return ("spp", S(Config.Spp));
        yield return ("split", Config.Split.ToString());
        yield return ("covisibility", $"{S(Config.MinCovisibility)}-{S(Config.MaxCovisibility)}");
        yield return ("--source", Config.Source);
        yield return ("--photos (their content)", Config.Photos.Length > 16 ? Config.Photos[..16] : Config.Photos);
        yield return ("warp-back settings", Config.WarpBack?.ToString() ?? "none");
    }

    /// <summary>"--steps 18, not 7; ..." for every setting where <paramref name="other"/> differs from this one (empty when equal).</summary>
    public string Differences(NovelViewPairsRun other) => string.Join("; ", Settings().Zip(other.Settings())
        .Where(p => p.First.Value != p.Second.Value).Select(p => $"{p.First.Name} {p.First.Value}, not {p.Second.Value}"));
}
