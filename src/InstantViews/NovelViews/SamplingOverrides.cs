namespace InstantViews.NovelViews;

/// <summary>Sampling settings a caller gives on top of a model's own (null: the model's, from its header).</summary>
public sealed record SamplingOverrides(int? Steps = null, double? SigmaMax = null, double? Guidance = null, string? Sampler = null, double? NoiseScale = null);
