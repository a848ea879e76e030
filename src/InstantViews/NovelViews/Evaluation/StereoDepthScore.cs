namespace InstantViews.NovelViews.Evaluation;

/// <summary>A depth source against the truth: AbsRel and delta &lt; 1.25 after median scaling, inverse-depth/disparity correlation, seconds to estimate.</summary>
public sealed record StereoDepthScore(string Depth, double AbsRel, double Delta, double Correlation, double Seconds);
