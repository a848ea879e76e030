using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Runtime;
using InstantViews.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>Settings of a PaGoDA training stage.</summary>
public sealed record PagodaTrainConfig
{
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-4;
    public double DiscriminatorLearningRate { get; init; } = 2e-4;
    /// <summary>w of L = L_rec + w lambda L_G: 0.2 at the base resolution, 1.0 when growing.</summary>
    public double AdversarialWeight { get; init; } = 0.2;
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Images are upsampled to at least this size before the ResNet-18 (perceptual distance and discriminator).</summary>
    public int FeatureSize { get; init; } = 32;
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; } = 100;
    public int SampleEvery { get; init; } = 200;
    public long Seed { get; init; }
}

/// <summary>
/// PaGoDA stage 2 (base) and stage 3 (grow): the one-step generator trained with the perceptual
/// reconstruction loss on (G(z_x), Down(x)) under a shared augmentation, plus the hinge adversarial loss of a
/// projected discriminator on fresh noise, weighted by w x the adaptive lambda; alternating G and D updates; EMA
/// (the loop is <see cref="GanTrainingRun"/>'s). Run-folder files as in diffusion training: checkpoint.safetensors,
/// model.safetensors (EMA generator), train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class PagodaTrainer : GanTrainingRun
{
    public OneStepGenerator Generator { get; }
    public OneStepGenerator EmaGenerator { get; }
    public PagodaTrainConfig Train { get; }

    readonly PairSet pairs;
    readonly PerceptualDistance perceptual;
    readonly Device device;

    PagodaTrainer(Parts parts, PagodaTrainConfig train, PairSet pairs, string outDir, Device device)
        : base(parts.Generator, parts.Ema, parts.Generator.TrainableParameters(), parts.Discriminator, train.LearningRate, train.DiscriminatorLearningRate,
            train.AdversarialWeight, train.EmaDecay, train.Seed, outDir, new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery))
    {
        (Generator, EmaGenerator, Train, this.pairs, this.device) = (parts.Generator, parts.Ema, train, pairs, device);
        perceptual = new PerceptualDistance(parts.Features, new PerceptualConfig(MinSize: Math.Max(train.FeatureSize, Generator.OutputResolution)));
    }

    sealed record Parts(OneStepGenerator Generator, OneStepGenerator Ema, ProjectedDiscriminator Discriminator, ResNet18Features Features);

    // Seeded in this order (generator copy, EMA copy, discriminator heads) so that a run is reproducible from its seed.
    static Parts Build(OneStepGenerator g, PagodaTrainConfig train, Device device, ResNet18Features features)
    {
        random.manual_seed(train.Seed);
        g.to(device);
        var ema = new OneStepGenerator(g.Cfg);
        ema.to(device);
        features.to(device);
        var disc = new ProjectedDiscriminator(features, Math.Max(train.FeatureSize, g.OutputResolution));
        disc.to(device);
        return new Parts(g, ema, disc, features);
    }

    static void CheckPairs(OneStepGenerator g, PairSet pairs)
    {
        if (pairs.Resolution < g.OutputResolution)
            throw new UserError($"pairs hold {pairs.Resolution}px images, the generator outputs {g.OutputResolution}px: build pairs at the final resolution");
        if (pairs.BaseResolution != g.BaseResolution)
            throw new UserError($"pairs hold {pairs.BaseResolution}px noise, the generator's base resolution is {g.BaseResolution}px");
    }

    /// <summary>Stage 2: a new run whose generator is a copy of the teacher.</summary>
    public static PagodaTrainer CreateBase(Nn.UNet teacher, double sigmaMax, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null, ResNet18Features? features = null) =>
        Create(OneStepGenerator.FromTeacher(teacher, sigmaMax), train, pairs, outDir, device, features);

    /// <summary>Stage 3: a new run whose generator is <paramref name="init"/> grown by one level.</summary>
    public static PagodaTrainer CreateGrow(OneStepGenerator init, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null, ResNet18Features? features = null) =>
        Create(init.Grow(), train with { AdversarialWeight = train.AdversarialWeight == 0.2 ? 1.0 : train.AdversarialWeight }, pairs, outDir, device, features);

    static PagodaTrainer Create(OneStepGenerator g, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device, ResNet18Features? features)
    {
        CheckPairs(g, pairs);
        RefuseExisting(outDir);
        var dev = device ?? CPU;
        var t = new PagodaTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, outDir, dev);
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes a stage from its run folder.</summary>
    public static PagodaTrainer Resume(string outDir, PairSet pairs, Device? device = null, ResNet18Features? features = null)
    {
        var (train, header, tensors) = OpenRun<PagodaTrainConfig>(outDir);
        var g = new OneStepGenerator(header.ConfigAs<GeneratorConfig>());
        Checkpoint.LoadWeights(g, tensors, Path.Combine(outDir, "checkpoint.safetensors"));
        CheckPairs(g, pairs);
        var dev = device ?? CPU;
        var t = new PagodaTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, outDir, dev);
        t.LoadState(header, tensors);
        return t;
    }

    /// <summary>Reconstruction of the teacher's inversions and fakes from fresh noise, in one batched pass.</summary>
    protected override GanBatch Forward()
    {
        var b = Train.BatchSize;
        var idx = randint(pairs.Count, [b], generator: Rng);
        var res = Generator.OutputResolution;
        var real = Resize.Down(pairs.Images(idx), pairs.Resolution / res).to(device);
        var zx = pairs.Noise(idx).to(device);
        var zFresh = Generator.SampleNoise(b, Rng).to(device);
        var outs = Generator.Forward(cat([zx, zFresh]));
        var (ra, xa) = PairAugment.Apply(outs[..b], real, Rng);
        return new GanBatch(perceptual.Compute(ra, xa), xa, outs[b..], real, Generator.LastLayerWeight);
    }

    protected override string ProgressName => $"pagoda train ({Generator.OutputResolution}px)";

    protected override SamplingDefaults Sampling => new() { SigmaMax = Generator.Cfg.SigmaMax, Steps = 1 };

    protected override Dictionary<string, double> Metrics()
    {
        var m = base.Metrics();
        m["sigma_max"] = Generator.Cfg.SigmaMax;
        return m;
    }

    /// <summary>A grid from the EMA generator on fixed noise.</summary>
    public override void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = new TorchSharp.torch.Generator(1234);
        var z = EmaGenerator.SampleNoise(16, g).to(device);
        var images = EmaGenerator.Forward(z).clamp(-1, 1).cpu();
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), ImageGrid.Tile(images, 4));
    }
}
