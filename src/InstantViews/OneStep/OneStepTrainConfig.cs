namespace InstantViews.OneStep;

/// <summary>Settings of a one-step GenWarp distillation run (PaGoDA stage 2 for a conditional teacher).</summary>
public sealed record OneStepTrainConfig
{
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 1e-4;
    public double DiscriminatorLearningRate { get; init; } = 2e-4;
    /// <summary>w of L = L_rec + w lambda L_G (PaGoDA's base-stage weight); 0 trains by reconstruction alone.</summary>
    public double AdversarialWeight { get; init; } = 0.2;
    /// <summary>EMA decay: a horizon of ~200 steps, since a distillation run is ~1-2k steps.</summary>
    public double EmaDecay { get; init; } = 0.995;
    /// <summary>Views are upsampled to at least this size before the ResNet-18 (perceptual distance and discriminator).</summary>
    public int FeatureSize { get; init; } = 64;
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; } = 100;
    public int SampleEvery { get; init; } = 200;
    public int SampleCount { get; init; } = 4;
    public long Seed { get; init; }
    /// <summary>The multi-step teacher, for the sample grids' multi-step column (optional).</summary>
    public string? Teacher { get; init; }
    /// <summary>Guidance scale of the multi-step column (the shipped teacher's default).</summary>
    public double TeacherGuidance { get; init; } = 2;
    /// <summary>What the discriminator sees besides the view: "none", or "warp" (the forward-warped source, holes grey).</summary>
    public string DiscriminatorCondition { get; init; } = "none";
    public static readonly string[] DiscriminatorConditions = ["none", "warp"];
    /// <summary>
    /// The discriminator: "resnet18" (heads on the frozen ResNet-18 the evaluation also reads; <see cref="Pagoda.ProjectedDiscriminator"/>)
    /// or "patch" (trained from scratch, <see cref="Pagoda.PatchDiscriminator"/>), or "patch-holes" (the same network
    /// judged per patch: a generated view's patches over its holes are fake, the rest of it real; LaMa's adversarial loss,
    /// <see cref="Pagoda.GanLosses.PatchDiscriminatorHinge"/>).
    /// </summary>
    public string Discriminator { get; init; } = "resnet18";
    public static readonly string[] Discriminators = ["resnet18", "patch", "patch-holes"];
    /// <summary>
    /// The reconstruction loss: "resnet18" (the perceptual distance on the frozen ResNet-18, which the evaluation's
    /// perceptual distance, FD and KID also read) or "pixel" (<see cref="PixelReconstruction"/>, no network), or "composed"
    /// (the pixel loss with its hole terms on the view as the Poisson composition composes it, <see cref="PixelReconstruction.Composed"/>:
    /// the harmonic fill of the warp plus the view's detail).
    /// </summary>
    public string Reconstruction { get; init; } = "resnet18";
    public static readonly string[] Reconstructions = ["resnet18", "pixel", "composed"];
    /// <summary>With the pixel loss: the weight of its terms over the hole pixels (AdaMPI's is 5).</summary>
    public double OccludedWeight { get; init; } = 5;
    /// <summary>
    /// The reconstruction's noise: null, the noise the teacher's ODE inverts each target to (PaGoDA's reconstruction, which
    /// carries the target); or fresh noise at this share of sigma_max, as a view is made, so the reconstruction loss asks
    /// for the view the conditions predict (0 to 1).
    /// </summary>
    public double? ReconstructionNoise { get; init; }
    /// <summary>The share of each batch drawn from the second pair set (round(batch x Mix) pairs), when one is given.</summary>
    public double Mix { get; init; }
}
