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
/// projected discriminator on fresh noise, weighted by w x the adaptive lambda; alternating G and D updates; EMA.
/// Run-folder files as in diffusion training: checkpoint.safetensors, model.safetensors (EMA generator),
/// train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class PagodaTrainer : TrainingRun
{
    public OneStepGenerator Generator { get; }
    public OneStepGenerator EmaGenerator { get; }
    public ProjectedDiscriminator Discriminator { get; }
    public PagodaTrainConfig Train { get; }
    public override long Step => gOpt.Step;

    readonly PairSet pairs;
    readonly Adam gOpt, dOpt;
    readonly Ema ema;
    readonly PerceptualDistance perceptual;
    readonly TorchSharp.torch.Generator rng;
    readonly Device device;
    readonly double[] sums = new double[4];
    int sumCount;

    PagodaTrainer(OneStepGenerator g, PagodaTrainConfig train, PairSet pairs, string outDir, Device device, ResNet18Features features)
        : base(outDir, new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery),
            "step,reconstruction,adversarial_g,lambda,discriminator,images_per_s,elapsed_s")
    {
        Train = train;
        this.pairs = pairs;
        this.device = device;
        random.manual_seed(train.Seed);
        Generator = g;
        Generator.to(device);
        var trainable = g.TrainableParameters();
        var trainableNames = trainable.Select(p => p.Name).ToHashSet();
        foreach (var (name, p) in g.named_parameters()) p.requires_grad = trainableNames.Contains(name);
        EmaGenerator = new OneStepGenerator(g.Cfg);
        EmaGenerator.to(device);
        foreach (var p in EmaGenerator.parameters()) p.requires_grad = false;
        ema = new Ema(g, EmaGenerator, train.EmaDecay);
        ema.CopyFromLive();
        features.to(device);
        Discriminator = new ProjectedDiscriminator(features, Math.Max(train.FeatureSize, g.OutputResolution));
        Discriminator.to(device);
        gOpt = new Adam(trainable, train.LearningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_g" };
        dOpt = new Adam(Discriminator.named_parameters(), train.DiscriminatorLearningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_d" };
        perceptual = new PerceptualDistance(features, new PerceptualConfig(MinSize: Math.Max(train.FeatureSize, g.OutputResolution)));
        rng = new TorchSharp.torch.Generator((ulong)train.Seed + 1);
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
        var t = new PagodaTrainer(g, train, pairs, outDir, device ?? CPU, features ?? new ResNet18Features());
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes a stage from its run folder.</summary>
    public static PagodaTrainer Resume(string outDir, PairSet pairs, Device? device = null, ResNet18Features? features = null)
    {
        var (train, header, tensors) = OpenRun<PagodaTrainConfig>(outDir);
        var g = new OneStepGenerator(header.ConfigAs<GeneratorConfig>());
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        Checkpoint.LoadWeights(g, tensors, ckpt);
        CheckPairs(g, pairs);
        var t = new PagodaTrainer(g, train, pairs, outDir, device ?? CPU, features ?? new ResNet18Features());
        Checkpoint.LoadWeights(t.EmaGenerator, Checkpoint.Extras(tensors, "ema/"), ckpt);
        Checkpoint.LoadWeights(t.Discriminator, Checkpoint.Extras(tensors, "disc/"), ckpt);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        t.gOpt.LoadState(all);
        t.dOpt.LoadState(all);
        t.rng.set_state(all["rng/generator"]);
        t.ContinueFrom(header);
        return t;
    }

    /// <summary>One generator update and one discriminator update. Returns (L_rec, L_G, lambda, L_D).</summary>
    public (double Reconstruction, double Adversarial, double Lambda, double Discriminator) TrainStep()
    {
        var result = Timed(() =>
        {
            using var scope = NewDisposeScope();
            Generator.train();
            var b = Train.BatchSize;
            var idx = randint(pairs.Count, [b], generator: rng);
            var res = Generator.OutputResolution;
            var real = Resize.Down(pairs.Images(idx), pairs.Resolution / res).to(device);
            var zx = pairs.Noise(idx).to(device);
            var zFresh = Generator.SampleNoise(b, rng).to(device);

            // Generator: reconstruction of the teacher's inversions + adversarial loss on fresh noise, one batched pass.
            var outs = Generator.Forward(cat([zx, zFresh]));
            var rec = outs[..b];
            var fake = outs[b..];
            var (ra, xa) = PairAugment.Apply(rec, real, rng);
            var lRec = perceptual.Compute(ra, xa).mean();
            foreach (var p in Discriminator.parameters()) p.requires_grad = false;
            var lAdv = GanLosses.GeneratorHinge(Discriminator.forward(fake));
            var lambda = GanLosses.AdaptiveWeight(lRec, lAdv, Generator.LastLayerWeight);
            var lG = lRec + Train.AdversarialWeight * lambda * lAdv;
            gOpt.ZeroGrad();
            lG.backward();
            gOpt.Update();
            ema.Update(Step);

            // Discriminator: hinge on real Down(x) vs the (detached) fakes.
            foreach (var p in Discriminator.parameters()) p.requires_grad = true;
            dOpt.ZeroGrad();
            var lD = GanLosses.DiscriminatorHinge(Discriminator.forward(real), Discriminator.forward(fake.detach()));
            lD.backward();
            dOpt.Update();
            return ((double)lRec.item<float>(), (double)lAdv.item<float>(), lambda, (double)lD.item<float>());
        });
        sums[0] += result.Item1; sums[1] += result.Item2; sums[2] += result.Item3; sums[3] += result.Item4;
        sumCount++;
        if (Step % Train.LogEvery == 0)
        {
            Log.Append(Step, sums[0] / sumCount, sums[1] / sumCount, sums[2] / sumCount, sums[3] / sumCount, ItemsPerSecond, Elapsed);
            Array.Clear(sums);
            sumCount = 0;
        }
        return result;
    }

    protected override string ProgressName => $"pagoda train ({Generator.OutputResolution}px)";

    protected override string AdvanceOneStep()
    {
        var (r, a, l, d) = TrainStep();
        return $"step {Step}, rec {r:0.000}, adv {a:0.00}, lambda {l:0.00}, D {d:0.00}, {ItemsPerSecond:0} img/s";
    }

    protected override Dictionary<string, double> Metrics()
    {
        var m = base.Metrics();
        m["sigma_max"] = Generator.Cfg.SigmaMax;
        return m;
    }

    public override void SaveCheckpoint()
    {
        var metrics = Metrics();
        var extra = EmaGenerator.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(Discriminator.state_dict().Select(p => new KeyValuePair<string, Tensor>("disc/" + p.Key, p.Value)))
            .Concat(gOpt.State()).Concat(dOpt.State())
            .Append(new("rng/generator", rng.get_state()));
        Checkpoint.Save(CheckpointPath, Generator, Step, metrics, extra: extra);
        Checkpoint.Save(ModelPath, EmaGenerator, Step, metrics);
        Log.Plot(Path.Combine(OutDir, "loss.png"), 1, "reconstruction loss");
    }

    /// <summary>A grid from the EMA generator on fixed noise: row pairs of (teacher inversion target, one-step output) and fresh samples.</summary>
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
