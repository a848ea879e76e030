using InstantViews.Diffusion;
using InstantViews.GenWarp.Depth;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

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
}

/// <summary>
/// Distils a GenWarp teacher into <see cref="OneStepGenWarp"/> (brief onestep.md): each step takes a batch of
/// (pair, z) records, re-renders the pairs by index, and trains G on the perceptual reconstruction
/// d(G(z_x, c), x) of the real target under a shared augmentation plus the hinge adversarial loss of the projected
/// ResNet-18 discriminator on G(z, c) for fresh noise z and the same conditions, weighted by w x the adaptive lambda;
/// then one discriminator step (real targets vs those fakes); EMA. Exact resume: batches come from the run's
/// generator and the pair index only. Files as every run: checkpoint.safetensors, model.safetensors (EMA),
/// train.json, loss.csv, loss.png, samples-XXXXXXX.png (source | warped | one-step | multi-step | ground truth).
/// </summary>
public sealed class OneStepTrainer : TrainingRun
{
    public OneStepGenWarp Generator { get; }
    public OneStepGenWarp EmaGenerator { get; }
    public ProjectedDiscriminator Discriminator { get; }
    public OneStepTrainConfig Train { get; }
    public NovelViewPairSet Pairs { get; }
    public override long Step => gOpt.Step;

    readonly ScenePairs data;
    readonly Adam gOpt, dOpt;
    readonly Ema ema;
    readonly PerceptualDistance perceptual;
    readonly Generator rng;
    readonly Device device;
    readonly double[] sums = new double[4];
    int sumCount;
    NovelViewBatch? sampleBatch;
    Tensor? multiStepSamples;

    OneStepTrainer(OneStepGenWarp g, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir, Device device, ResNet18Features features)
        : base(outDir, new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery, "pairs"),
            "step,reconstruction,adversarial_g,lambda,discriminator,pairs_per_s,elapsed_s")
    {
        Train = train;
        Pairs = pairs;
        this.device = device;
        data = new ScenePairs(pairs.Config.Stream(), depth);
        random.manual_seed(train.Seed);
        Generator = g;
        Generator.to(device);
        var trainable = g.TrainableParameters();
        var names = trainable.Select(p => p.Name).ToHashSet();
        foreach (var (name, p) in g.named_parameters()) p.requires_grad = names.Contains(name);
        EmaGenerator = new OneStepGenWarp(g.Cfg);
        EmaGenerator.to(device);
        EmaGenerator.eval();
        foreach (var p in EmaGenerator.parameters()) p.requires_grad = false;
        ema = new Ema(g, EmaGenerator, train.EmaDecay);
        ema.CopyFromLive();
        features.to(device);
        var featureSize = Math.Max(train.FeatureSize, g.NetConfig.Resolution);
        Discriminator = new ProjectedDiscriminator(features, featureSize);
        Discriminator.to(device);
        gOpt = new Adam(trainable, train.LearningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_g" };
        dOpt = new Adam(Discriminator.named_parameters(), train.DiscriminatorLearningRate) { Beta1 = 0.0, Beta2 = 0.99, Prefix = "adam_d" };
        perceptual = new PerceptualDistance(features, new PerceptualConfig(MinSize: featureSize));
        rng = new Generator((ulong)train.Seed + 1);
    }

    static void Check(OneStepGenWarp g, NovelViewPairSet pairs, OneStepTrainConfig train)
    {
        if (pairs.Config.Resolution != g.NetConfig.Resolution)
            throw new UserError($"pairs were made at {pairs.Config.Resolution}px, the model works at {g.NetConfig.Resolution}px");
        if (pairs.Z.shape[2] != g.NetConfig.Resolution)
            throw new UserError($"pairs hold {pairs.Z.shape[2]}px noise, the model works at {g.NetConfig.Resolution}px");
        if (Math.Abs(pairs.Config.SigmaMax - g.Cfg.SigmaMax) > 1e-9)
            throw new UserError($"pairs were inverted to sigma_max {pairs.Config.SigmaMax}, the generator starts at {g.Cfg.SigmaMax}");
        if (train.BatchSize < 1) throw new UserError($"--batch must be at least 1, got {train.BatchSize}");
        if (!(train.LearningRate > 0) || !double.IsFinite(train.LearningRate)) throw new UserError($"--lr must be a positive number, got {train.LearningRate}");
        if (!(train.AdversarialWeight >= 0) || !double.IsFinite(train.AdversarialWeight)) throw new UserError($"--adversarial-weight must be a finite number >= 0, got {train.AdversarialWeight}");
    }

    /// <summary>A new run whose generator is a copy of <paramref name="teacher"/> at the pairs' sigma_max.</summary>
    public static OneStepTrainer Create(GenWarpModel teacher, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir,
        Device? device = null, ResNet18Features? features = null)
    {
        var g = OneStepGenWarp.FromTeacher(teacher, pairs.Config.SigmaMax);
        Check(g, pairs, train);
        RefuseExisting(outDir);
        var t = new OneStepTrainer(g, train, pairs, depth, outDir, device ?? CPU, features ?? new ResNet18Features());
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it.</summary>
    public static OneStepTrainer Resume(string outDir, NovelViewPairSet pairs, IDepthEstimator? depth, Device? device = null, ResNet18Features? features = null)
    {
        var (train, header, tensors) = OpenRun<OneStepTrainConfig>(outDir);
        var g = new OneStepGenWarp(header.ConfigAs<OneStepGenWarpConfig>());
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        Checkpoint.LoadWeights(g, tensors, ckpt);
        Check(g, pairs, train);
        var t = new OneStepTrainer(g, train, pairs, depth, outDir, device ?? CPU, features ?? new ResNet18Features());
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
            var positions = randint(Pairs.Count, [b], generator: rng);
            var zx = Pairs.Z.index_select(0, positions).to(device);
            var zFresh = (randn([b, 3, zx.shape[2], zx.shape[3]], generator: rng) * Generator.Cfg.SigmaMax).to(device);
            var batch = data.Batch(data.Render(Pairs.Indices(positions)), device);
            var real = batch.Target!;
            GenWarpSource source;
            using (no_grad()) source = Generator.Prepare(batch.Source);

            // Generator: reconstruction from the inverted noise and the adversarial term on fresh noise, one batched pass.
            var both = new GenWarpSource(cat([source.Context, source.Context]), source.Reference.Select(t => cat([t, t])).ToList(),
                cat([source.SourceEmbedding, source.SourceEmbedding]));
            var outs = Generator.Generate(cat([zx, zFresh]), both.For(cat([batch.TargetEmbedding, batch.TargetEmbedding])));
            var rec = outs[..b];
            var fake = outs[b..];
            var (ra, xa) = PairAugment.Apply(rec, real, rng);
            var lRec = perceptual.Compute(ra, xa).mean();
            foreach (var p in Discriminator.parameters()) p.requires_grad = false;
            var lAdv = GanLosses.GeneratorHinge(Discriminator.forward(fake));
            var lambda = Train.AdversarialWeight > 0 ? GanLosses.AdaptiveWeight(lRec, lAdv, Generator.LastLayerWeight) : 0;
            var lG = lRec + Train.AdversarialWeight * lambda * lAdv;
            gOpt.ZeroGrad();
            lG.backward();
            gOpt.Update();
            ema.Update(Step);

            // Discriminator: hinge on the real targets vs the (detached) fakes.
            foreach (var p in Discriminator.parameters()) p.requires_grad = true;
            dOpt.ZeroGrad();
            var lD = GanLosses.DiscriminatorHinge(Discriminator.forward(real), Discriminator.forward(fake.detach()));
            lD.backward();
            dOpt.Update();
            var values = (lRec.item<float>(), lAdv.item<float>(), lambda, lD.item<float>());
            if (!float.IsFinite(values.Item1) || !float.IsFinite(values.Item4))
                throw new UserError($"training diverged at step {Step} (reconstruction {values.Item1}, discriminator {values.Item4}); the last checkpoint is kept: resume with a lower --lr");
            return ((double)values.Item1, (double)values.Item2, values.lambda, (double)values.Item4);
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

    /// <summary>The mean perceptual reconstruction loss of the EMA-free live generator on the first <paramref name="count"/> pairs (no augmentation).</summary>
    public double ReconstructionLoss(int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positions = arange(Math.Min(count, Pairs.Count), dtype: ScalarType.Int64);
        var batch = data.Batch(data.Render(Pairs.Indices(positions)), device);
        var outs = Generator.Generate(Pairs.Z.index_select(0, positions).to(device), Generator.Prepare(batch.Source).For(batch.TargetEmbedding));
        return perceptual.Compute(outs, batch.Target!).mean().item<float>();
    }

    protected override string ProgressName => "genwarp distil";

    protected override string AdvanceOneStep()
    {
        var (r, a, l, d) = TrainStep();
        return $"step {Step}, rec {r:0.000}, adv {a:0.00}, lambda {l:0.00}, D {d:0.00}, {ItemsPerSecond:0.0} pairs/s";
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

    /// <summary>Rows of source | warped | one-step (EMA) | multi-step teacher | ground truth on fixed evaluation pairs.</summary>
    public override void WriteSamples()
    {
        if (Train.SampleCount < 1) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (sampleBatch is null)
        {
            using var evalPairs = new ScenePairs(data.Config with { Split = SceneSplit.Eval, Seed = 0 }, data.DepthEstimator);
            var b = evalPairs.Batch(evalPairs.Render(0, Train.SampleCount), device);
            sampleBatch = new NovelViewBatch(b.Source.DetachFromDisposeScope(), b.TargetEmbedding.DetachFromDisposeScope(),
                b.WarpedRgb.DetachFromDisposeScope(), b.HoleMask.DetachFromDisposeScope(), b.Target!.DetachFromDisposeScope());
            if (Train.Teacher is { } path && File.Exists(path))
            {
                var (teacher, _) = Checkpoint.Load<GenWarpModel>(path, device);
                teacher.eval();
                multiStepSamples = NovelViewSampler.Sample(teacher, sampleBatch, new NovelViewSampling(18, Generator.Cfg.SigmaMax, Train.TeacherGuidance), 1234).X.DetachFromDisposeScope();
                teacher.Dispose();
            }
        }
        var oneStep = EmaGenerator.Generate(sampleBatch, new Generator(1234)).clamp(-1, 1);
        var tiles = new List<Tensor>();
        for (int i = 0; i < sampleBatch.Count; i++)
        {
            tiles.Add(sampleBatch.Source[i].cpu());
            tiles.Add(sampleBatch.WarpedRgb[i].cpu());
            tiles.Add(oneStep[i].cpu());
            if (multiStepSamples is not null) tiles.Add(multiStepSamples[i].cpu());
            tiles.Add(sampleBatch.Target![i].cpu());
        }
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), ImageGrid.Tile(tiles, multiStepSamples is null ? 4 : 5));
    }

    public override void Dispose()
    {
        data.Dispose();
        base.Dispose();
    }
}
