using InstantViews.Diffusion;

namespace InstantViews.GenWarp;

/// <summary>
/// Settings of a novel-view training run (GenWarp or the baseline): the optimiser/EMA/logging settings of the
/// diffusion core plus the pair stream (Flip is not applied: mirroring a pair would need mirrored cameras). <see cref="Depth"/> is "gt" or a depth source ("builtin", "builtin:FILE").
/// </summary>
public sealed record PairTrainConfig
{
    public TrainConfig Train { get; init; } = new() { BatchSize = 16, LearningRate = 5e-4, Flip = false, WarmupSteps = 200, SampleEvery = 500, SampleCount = 4, SampleSteps = 18, SigmaMax = 40 };
    public int Resolution { get; init; } = 32;
    public int Spp { get; init; } = 2;
    public string Depth { get; init; } = "gt";
    public double MinCovisibility { get; init; } = 0.2;
    public double MaxCovisibility { get; init; } = 0.95;
    /// <summary>Guidance scale of the sample grids.</summary>
    public double Guidance { get; init; } = 2;
}
