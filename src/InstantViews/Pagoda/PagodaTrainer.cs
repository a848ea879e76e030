using System.Diagnostics;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Runtime;
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
public sealed class PagodaTrainer
{
    public OneStepGenerator Generator { get; }
    public OneStepGenerator EmaGenerator { get; }
    public ProjectedDiscriminator Discriminator { get; }
    public PagodaTrainConfig Train { get; }
    public string OutDir { get; }
    public long Step => gOpt.Step;

    readonly PairSet pairs;
    readonly Adam gOpt, dOpt;
    readonly Ema ema;
    readonly PerceptualDistance perceptual;
    readonly TorchSharp.torch.Generator rng;
    readonly LossLog log;
    readonly Device device;
    readonly Stopwatch clock = new();
    double elapsedBefore;
    long stepsThisSession;
    readonly double[] sums = new double[4];
    int sumCount;

    public string CheckpointPath => Path.Combine(OutDir, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(OutDir, "model.safetensors");
    public double Elapsed => elapsedBefore + clock.Elapsed.TotalSeconds;

    PagodaTrainer(OneStepGenerator g, PagodaTrainConfig train, PairSet pairs, string outDir, Device device, ResNet18Features features)
    {
        if (pairs.Resolution < g.OutputResolution)
            throw new UserError($"pairs hold {pairs.Resolution}px images, the generator outputs {g.OutputResolution}px: build pairs at the final resolution");
        if (pairs.BaseResolution != g.BaseResolution)
            throw new UserError($"pairs hold {pairs.BaseResolution}px noise, the generator's base resolution is {g.BaseResolution}px");
        Train = train;
        this.pairs = pairs;
        this.device = device;
        OutDir = outDir;
        Directory.CreateDirectory(outDir);
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
        log = new LossLog(Path.Combine(outDir, "loss.csv"), "step,reconstruction,adversarial_g,lambda,discriminator,images_per_s,elapsed_s");
    }

    /// <summary>Stage 2: a new run whose generator is a copy of the teacher.</summary>
    public static PagodaTrainer CreateBase(Nn.UNet teacher, double sigmaMax, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null, ResNet18Features? features = null) =>
        Create(OneStepGenerator.FromTeacher(teacher, sigmaMax), train, pairs, outDir, device, features);

    /// <summary>Stage 3: a new run whose generator is <paramref name="init"/> grown by one level.</summary>
    public static PagodaTrainer CreateGrow(OneStepGenerator init, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device = null, ResNet18Features? features = null) =>
        Create(init.Grow(), train with { AdversarialWeight = train.AdversarialWeight == 0.2 ? 1.0 : train.AdversarialWeight }, pairs, outDir, device, features);

    static PagodaTrainer Create(OneStepGenerator g, PagodaTrainConfig train, PairSet pairs, string outDir, Device? device, ResNet18Features? features)
    {
        if (File.Exists(Path.Combine(outDir, "checkpoint.safetensors")))
            throw new UserError($"'{outDir}' already holds a run; pass --resume to continue it or choose another --out");
        var t = new PagodaTrainer(g, train, pairs, outDir, device ?? CPU, features ?? new ResNet18Features());
        AtomicFile.WriteText(Path.Combine(outDir, "train.json"), JsonSerializer.Serialize(train, Json.Options));
        t.log.TruncateAfter(0);
        return t;
    }

    /// <summary>Resumes a stage from its run folder.</summary>
    public static PagodaTrainer Resume(string outDir, PairSet pairs, Device? device = null, ResNet18Features? features = null)
    {
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(ckpt) || !File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (checkpoint.safetensors and train.json expected)");
        var train = JsonSerializer.Deserialize<PagodaTrainConfig>(File.ReadAllText(trainJson), Json.Options)!;
        var (header, tensors) = Checkpoint.ReadAll(ckpt);
        var g = new OneStepGenerator(header.ConfigAs<GeneratorConfig>());
        Checkpoint.LoadWeights(g, tensors, ckpt);
        var t = new PagodaTrainer(g, train, pairs, outDir, device ?? CPU, features ?? new ResNet18Features());
        Checkpoint.LoadWeights(t.EmaGenerator, Checkpoint.Extras(tensors, "ema/"), ckpt);
        Checkpoint.LoadWeights(t.Discriminator, Checkpoint.Extras(tensors, "disc/"), ckpt);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        t.gOpt.LoadState(all);
        t.dOpt.LoadState(all);
        t.rng.set_state(all["rng/generator"]);
        t.elapsedBefore = header.Metrics.GetValueOrDefault("elapsed_s");
        t.log.TruncateAfter(t.Step);
        return t;
    }

    /// <summary>One generator update and one discriminator update. Returns (L_rec, L_G, lambda, L_D).</summary>
    public (double Reconstruction, double Adversarial, double Lambda, double Discriminator) TrainStep()
    {
        clock.Start();
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
        clock.Stop();
        stepsThisSession++;
        var result = (lRec.item<float>(), lAdv.item<float>(), lambda, lD.item<float>());
        sums[0] += result.Item1; sums[1] += result.Item2; sums[2] += lambda; sums[3] += result.Item4;
        sumCount++;
        if (Step % Train.LogEvery == 0)
        {
            log.Append(Step, sums[0] / sumCount, sums[1] / sumCount, sums[2] / sumCount, sums[3] / sumCount, ImagesPerSecond, Elapsed);
            Array.Clear(sums);
            sumCount = 0;
        }
        return result;
    }

    double ImagesPerSecond => clock.Elapsed.TotalSeconds > 0 ? stepsThisSession * Train.BatchSize / clock.Elapsed.TotalSeconds : 0;

    public void Run(long? maxSteps, double? minutes, CancellationToken cancel = default)
    {
        var deadline = minutes is { } m ? DateTime.UtcNow.AddMinutes(m) : DateTime.MaxValue;
        using var progress = Progress.Start($"pagoda train ({Generator.OutputResolution}px)", maxSteps is { } s ? Math.Max(0, s - Step) : 0, "steps");
        while ((maxSteps is null || Step < maxSteps) && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            var (r, a, l, d) = TrainStep();
            progress.Advance(1, $"step {Step}, rec {r:0.000}, adv {a:0.00}, lambda {l:0.00}, D {d:0.00}, {ImagesPerSecond:0} img/s");
            if (Step % Train.CheckpointEvery == 0) SaveCheckpoint();
            if (Train.SampleEvery > 0 && Step % Train.SampleEvery == 0) WriteSamples();
        }
        SaveCheckpoint();
        WriteSamples();
    }

    public void SaveCheckpoint()
    {
        var metrics = new Dictionary<string, double> { ["elapsed_s"] = Elapsed, ["images_seen"] = Step * Train.BatchSize, ["sigma_max"] = Generator.Cfg.SigmaMax };
        var extra = EmaGenerator.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(Discriminator.state_dict().Select(p => new KeyValuePair<string, Tensor>("disc/" + p.Key, p.Value)))
            .Concat(gOpt.State()).Concat(dOpt.State())
            .Append(new("rng/generator", rng.get_state()));
        Checkpoint.Save(CheckpointPath, Generator, Step, metrics, extra: extra);
        Checkpoint.Save(ModelPath, EmaGenerator, Step, metrics);
        log.Plot(Path.Combine(OutDir, "loss.png"), 1, "reconstruction loss");
    }

    /// <summary>A grid from the EMA generator on fixed noise: row pairs of (teacher inversion target, one-step output) and fresh samples.</summary>
    public void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = new TorchSharp.torch.Generator(1234);
        var z = EmaGenerator.SampleNoise(16, g).to(device);
        var images = EmaGenerator.Forward(z).clamp(-1, 1).cpu();
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), ImageGrid.Tile(images, 4));
    }
}
