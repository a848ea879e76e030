namespace InstantViews.Diffusion;

/// <summary>Settings of a diffusion training run; stored in the checkpoint's metrics/config so runs resume with them.</summary>
public sealed record TrainConfig
{
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-4;
    public double WeightDecay { get; init; }
    public int WarmupSteps { get; init; } = 200;
    public double GradClip { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.999;
    public bool Flip { get; init; } = true;
    public int LogEvery { get; init; } = 25;
    public int SampleEvery { get; init; } = 1000;
    public int CheckpointEvery { get; init; } = 250;
    public int SampleCount { get; init; } = 16;
    public int SampleSteps { get; init; } = 18;
    public double SigmaMax { get; init; } = 80;
    public long Seed { get; init; }
}
