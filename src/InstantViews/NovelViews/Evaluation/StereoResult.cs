using InstantViews.Depth;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>The rows, the depth scores, and the share of the right view the left sees (covisible).</summary>
public sealed record StereoResult(IReadOnlyList<StereoRow> Rows, IReadOnlyList<StereoDepthScore> Depths, double CovisibleFraction);
