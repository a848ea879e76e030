using InstantViews.Scenes;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// Difficulty ranges of view changes, by ground-truth covisibility (share of target pixels visible from the source):
/// mid = [0.5, 0.8], long = [0.2, 0.5) (GenWarp's evaluation splits, arXiv 2405.17251; docs/genwarp.md, "Evaluation").
/// </summary>
public sealed record CovisibilityRange(string Name, double Min, double Max)
{
    public static readonly CovisibilityRange Mid = new("mid", 0.5, 0.8);
    public static readonly CovisibilityRange Long = new("long", 0.2, 0.5);
    public static readonly IReadOnlyList<CovisibilityRange> All = [Mid, Long];

    /// <summary>Mid includes both ends; long excludes 0.5 (which is mid's).</summary>
    public bool Contains(double covisibility) => this == Mid
        ? covisibility >= Min && covisibility <= Max
        : covisibility >= Min && covisibility < Max;

    /// <summary>The range a covisibility falls in, or null outside both.</summary>
    public static CovisibilityRange? Of(double covisibility) => All.FirstOrDefault(r => r.Contains(covisibility));

    /// <summary>Splits pairs into the ranges, keeping at most <paramref name="perRange"/> of each (in order); pairs outside both are dropped.</summary>
    public static Dictionary<string, List<ViewPair>> Split(IEnumerable<ViewPair> pairs, int perRange = int.MaxValue)
    {
        var result = All.ToDictionary(r => r.Name, _ => new List<ViewPair>());
        foreach (var p in pairs)
            if (Of(p.Covisibility) is { } r && result[r.Name].Count < perRange) result[r.Name].Add(p);
        return result;
    }
}
