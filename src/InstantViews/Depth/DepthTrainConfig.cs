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

    // Built-in depth v2 (depth-resnet) only; a depth-unet run ignores these.
    /// <summary>Training view size (multiples of 32).</summary>
    public int Width { get; init; } = 256;
    public int Height { get; init; } = 192;
    /// <summary>The real-photo corpus folder (scripts/realphotos) whose photos texture the scenes; null: procedural textures only.</summary>
    public string? Photos { get; init; }
    /// <summary>Weights of the gradient-matching and metric terms beside the shift-and-scale-invariant loss.</summary>
    public double GradientWeight { get; init; } = 0.5;
    public double MetricWeight { get; init; } = 0.5;
    /// <summary>Steps during which the ImageNet encoder stays as imported (only the decoder learns).</summary>
    public int EncoderFrozenSteps { get; init; } = 1000;
    /// <summary>The encoder's learning rate relative to the decoder's once it trains (reached linearly over <see cref="WarmupSteps"/> after the frozen phase).</summary>
    public double EncoderRateScale { get; init; } = 0.1;

    /// <summary>The encoder's learning-rate factor for a parameter at a step: 0 while frozen, then ramping to EncoderRateScale.</summary>
    public double RateScale(string parameter, long step)
    {
        if (!parameter.StartsWith("encoder.", StringComparison.Ordinal)) return 1;
        if (step < EncoderFrozenSteps) return 0;
        var ramp = WarmupSteps > 0 ? Math.Min(1.0, (step - EncoderFrozenSteps + 1.0) / WarmupSteps) : 1;
        return EncoderRateScale * ramp;
    }
}
