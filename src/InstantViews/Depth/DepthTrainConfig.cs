namespace InstantViews.Depth;

/// <summary>Settings of a depth training run (stored as train.json in the run folder so --resume reuses them).</summary>
public sealed record DepthTrainConfig
{
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 100;
    public double GradClip { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.995;
    /// <summary>Samples per pixel of the rendered training views.</summary>
    public int Spp { get; init; } = 2;
    /// <summary>Weight of the scale-invariant variance term beside the L1 log-depth loss.</summary>
    public double ScaleInvariantWeight { get; init; } = 0.5;
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; } = 100;
    public long Seed { get; init; }
}
