namespace InstantViews.NovelViews.Evaluation;

/// <summary>The benchmark's settings: aligned rows for estimated depth, and the size the perceptual distance is computed at.</summary>
public sealed record StereoSettings(bool Aligned = true, int PerceptualSize = 512);
