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
    /// <summary>The discriminator (and the generator's adversarial term) sees fakes and reals through one shared random
    /// augmentation per step (the release's DiffAugment on D's inputs).</summary>
    public bool DiscriminatorAugment { get; init; }
    /// <summary>w_d of the distillation term: the perceptual distance between G(z) and the teacher's PF-ODE solution
    /// from the same fresh noise z (0: off).</summary>
    public double DistillationWeight { get; init; }
    /// <summary>Fresh-noise samples per step that the teacher solves for the distillation term.</summary>
    public int DistillationBatch { get; init; } = 8;
    /// <summary>Karras grid points of the teacher's Heun solve (2N - 1 evaluations per sample).</summary>
    public int DistillationSteps { get; init; } = 18;
    /// <summary>The teacher's file, read again on resume (needed when <see cref="DistillationWeight"/> &gt; 0).</summary>
    public string? Teacher { get; init; }
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; } = 100;
    public int SampleEvery { get; init; } = 200;
    public long Seed { get; init; }
}

/// <summary>
/// PaGoDA stage 2 (base) and stage 3 (grow): the one-step generator trained with the perceptual
/// reconstruction loss on (G(z_x), Down(x)) under a shared augmentation, plus the hinge adversarial loss of a
/// projected discriminator on fresh noise, weighted by w x the adaptive lambda; optionally the discriminator sees both
/// through one augmentation, and a distillation term pulls G(z) to the teacher's PF-ODE solution from the same fresh
/// noise; alternating G and D updates; EMA (the loop is <see cref="GanTrainingRun"/>'s). Run-folder files as in diffusion training: checkpoint.safetensors,
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
    readonly IDenoiser? teacher;
    readonly int teacherResolution;

    PagodaTrainer(Parts parts, PagodaTrainConfig train, PairSet pairs, string outDir, Device device, Nn.UNet? teacher)
        : base(parts.Generator, parts.Ema, parts.Generator.TrainableParameters(), parts.Discriminator, train.LearningRate, train.DiscriminatorLearningRate,
            train.AdversarialWeight, train.EmaDecay, train.Seed, outDir, new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery))
    {
        (Generator, EmaGenerator, Train, this.pairs, this.device) = (parts.Generator, parts.Ema, train, pairs, device);
        DistillationWeight = train.DistillationWeight;
        AugmentDiscriminator = train.DiscriminatorAugment;
        if (train.DistillationWeight > 0)
        {
            if (teacher is null) throw new UserError("the distillation term needs the teacher");
            if (teacher.Cfg.Resolution != Generator.BaseResolution)
                throw new UserError($"the teacher works at {teacher.Cfg.Resolution}px, the generator's noise is {Generator.BaseResolution}px");
            if (train.DistillationBatch < 1 || train.DistillationBatch > train.BatchSize)
                throw new UserError($"the distillation batch must be 1..{train.BatchSize} (the batch size), got {train.DistillationBatch}");
            if (train.DistillationSteps < 2) throw new UserError($"the teacher's solve needs at least 2 grid points, got {train.DistillationSteps}");
            teacher.to(device).eval();
            foreach (var p in teacher.parameters()) p.requires_grad = false;
            (this.teacher, teacherResolution) = (new EdmDenoiser(teacher), teacher.Cfg.Resolution);
        }
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
    /// <remarks>A run that distils solves the ODE with <paramref name="distillationTeacher"/>, by default a copy of
    /// <paramref name="teacher"/> (the generator trains its own).</remarks>
    public static PagodaTrainer CreateBase(Nn.UNet teacher, double sigmaMax, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null,
        ResNet18Features? features = null, Nn.UNet? distillationTeacher = null) =>
        Create(OneStepGenerator.FromTeacher(teacher, sigmaMax), train, pairs, outDir, device, features,
            train.DistillationWeight > 0 ? distillationTeacher ?? Copy(teacher) : null);

    /// <summary>Stage 3: a new run whose generator is <paramref name="init"/> grown by one level.</summary>
    /// <remarks>A run that distils compares the grown output, downsampled to the teacher's size, with <paramref name="teacher"/>'s solution.</remarks>
    public static PagodaTrainer CreateGrow(OneStepGenerator init, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null, ResNet18Features? features = null, Nn.UNet? teacher = null) =>
        Create(init.Grow(), train with { AdversarialWeight = train.AdversarialWeight == 0.2 ? 1.0 : train.AdversarialWeight }, pairs, outDir, device, features, teacher);

    static Nn.UNet Copy(Nn.UNet net)
    {
        var copy = new Nn.UNet(net.Cfg);
        copy.load_state_dict(net.state_dict());
        return copy;
    }

    static PagodaTrainer Create(OneStepGenerator g, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device, ResNet18Features? features, Nn.UNet? teacher)
    {
        CheckPairs(g, pairs);
        RefuseExisting(outDir);
        var dev = device ?? CPU;
        var t = new PagodaTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, outDir, dev, teacher);
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes a stage from its run folder.</summary>
    /// <remarks>A run that distils reads its teacher again from the path in its settings.</remarks>
    public static PagodaTrainer Resume(string outDir, PairSet pairs, Device? device = null, ResNet18Features? features = null)
    {
        var (train, header, tensors) = OpenRun<PagodaTrainConfig>(outDir);
        var g = new OneStepGenerator(header.ConfigAs<GeneratorConfig>());
        Checkpoint.LoadWeights(g, tensors, Path.Combine(outDir, "checkpoint.safetensors"));
        CheckPairs(g, pairs);
        var dev = device ?? CPU;
        Nn.UNet? teacher = null;
        if (train.DistillationWeight > 0)
            teacher = Checkpoint.Load<Nn.UNet>(train.Teacher ?? throw new UserError($"'{outDir}' distils but its settings name no teacher")).Model;
        var t = new PagodaTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, outDir, dev, teacher);
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
        var fake = outs[b..];
        return new GanBatch(perceptual.Compute(ra, xa), xa, fake, real, Generator.LastLayerWeight, Distillation: Distillation(zFresh, fake));
    }

    /// <summary>Per-sample perceptual distance between G(z) (at the teacher's size) and the teacher's Heun solution
    /// from the same z, for the first <see cref="PagodaTrainConfig.DistillationBatch"/> fresh noises; null when off.</summary>
    Tensor? Distillation(Tensor zFresh, Tensor fake)
    {
        if (teacher is null) return null;
        var k = Train.DistillationBatch;
        Tensor target;
        using (no_grad())
        {
            var grid = NoiseGrid.Karras(Train.DistillationSteps, sigmaMax: Generator.Cfg.SigmaMax);
            target = SamplerRegistry.Get("heun")(teacher, zFresh[..k], grid).X.clamp(-1, 1);
        }
        var mine = fake[..k];
        if (mine.shape[2] != teacherResolution) mine = Resize.Down(mine, (int)(mine.shape[2] / teacherResolution));
        return perceptual.Compute(mine, target);
    }

    protected override string ProgressName => $"pagoda train ({Generator.OutputResolution}px)";

    protected override SamplingDefaults Sampling => new() { SigmaMax = Generator.Cfg.SigmaMax, Steps = 1 };

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
