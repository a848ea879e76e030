using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>
/// Distils a GenWarp teacher into <see cref="OneStepGenWarp"/> (docs/genwarp.md, "One-step GenWarp"): each step takes a batch of
/// (pair, z) records, re-renders the pairs by index, and trains G on the perceptual reconstruction
/// d(G(z_x, c), x) of the real target under a shared augmentation plus the hinge adversarial loss of the projected
/// ResNet-18 discriminator on G(z, c) for fresh noise z and the same conditions, weighted by w x the adaptive lambda;
/// then one discriminator step (real targets vs those fakes); EMA (the loop is <see cref="GanTrainingRun"/>'s).
/// Exact resume: batches come from the run's generator and the pair index only. Files as every run:
/// checkpoint.safetensors, model.safetensors (EMA), train.json, loss.csv, loss.png, samples-XXXXXXX.png
/// (source | warped | one-step | multi-step | ground truth).
/// </summary>
public sealed class OneStepTrainer : GanTrainingRun
{
    public OneStepGenWarp Generator { get; }
    public OneStepGenWarp EmaGenerator { get; }
    public OneStepTrainConfig Train { get; }
    public NovelViewPairSet Pairs { get; }
    /// <summary>The second pair set a share of each batch comes from (<see cref="OneStepTrainConfig.Mix"/>), if any.</summary>
    public NovelViewPairSet? MixPairs { get; }

    readonly INovelViewPairSource data;
    readonly INovelViewPairSource? mixData;
    readonly SceneStreamConfig previews;
    readonly IDepthEstimator? depth;
    readonly PerceptualDistance perceptual;
    readonly Device device;
    NovelViewBatch? sampleBatch;
    GrownBatch? grownSamples;
    Tensor? multiStepSamples;

    int Levels => Generator.Cfg.Levels;

    OneStepTrainer(Parts parts, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir, Device device, string? photos, MixedPairs? mixed)
        : base(parts.Generator, parts.Ema, parts.Generator.TrainableParameters(), parts.Discriminator, train.LearningRate, train.DiscriminatorLearningRate,
            train.AdversarialWeight, train.EmaDecay, train.Seed, outDir, new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery, "pairs"))
    {
        (Generator, EmaGenerator, Train, Pairs, this.device) = (parts.Generator, parts.Ema, train, pairs, device);
        EmaGenerator.eval();
        // A grown generator learns from the same pairs rendered at its output size (the cameras do not depend on it); pairs
        // of real photographs are made at their own size and resized as inference resizes. Sample grids show preview scenes.
        var stream = pairs.Config.Stream(parts.Generator.OutputResolution);
        data = pairs.Config.OpenSource(parts.Generator.OutputResolution, depth, photos);
        (MixPairs, mixData) = (mixed?.Pairs, mixed?.Pairs.Config.OpenSource(parts.Generator.OutputResolution, mixed.Depth, photos));
        (previews, this.depth) = (stream with { Split = SceneSplit.Preview, Seed = 0 }, depth);
        perceptual = new PerceptualDistance(parts.Features, new PerceptualConfig(MinSize: parts.FeatureSize));
    }

    /// <summary>A second pair set to mix into every batch, with its source depth (null: the truth).</summary>
    public sealed record MixedPairs(NovelViewPairSet Pairs, IDepthEstimator? Depth);

    sealed record Parts(OneStepGenWarp Generator, OneStepGenWarp Ema, GanDiscriminator Discriminator, ResNet18Features Features, int FeatureSize);

    static Parts Build(OneStepGenWarp g, OneStepTrainConfig train, Device device, ResNet18Features features)
    {
        random.manual_seed(train.Seed);
        g.to(device);
        var ema = new OneStepGenWarp(g.Cfg);
        ema.to(device);
        features.to(device);
        var featureSize = Math.Max(train.FeatureSize, g.OutputResolution);
        var conditioned = train.DiscriminatorCondition == "warp";
        GanDiscriminator disc = train.Discriminator is "patch" or "patch-holes" ? new PatchDiscriminator(conditioned) : new ProjectedDiscriminator(features, featureSize, conditioned: conditioned);
        disc.to(device);
        return new Parts(g, ema, disc, features, featureSize);
    }

    static void Check(OneStepGenWarp g, NovelViewPairSet pairs, OneStepTrainConfig train, MixedPairs? mixed = null)
    {
        if (!(train.Mix is >= 0 and <= 1)) throw new UserError($"the mixed share must be 0 to 1, got {train.Mix}");
        if (!OneStepTrainConfig.Discriminators.Contains(train.Discriminator))
            throw new UserError($"discriminator must be one of {string.Join(", ", OneStepTrainConfig.Discriminators)}, got '{train.Discriminator}'");
        if (train.ReconstructionNoise is { } noise && !(noise is >= 0 and <= 1))
            throw new UserError($"the reconstruction's noise must be 0 to 1 of sigma_max, got {noise}");
        if (!OneStepTrainConfig.Reconstructions.Contains(train.Reconstruction))
            throw new UserError($"reconstruction loss must be one of {string.Join(", ", OneStepTrainConfig.Reconstructions)}, got '{train.Reconstruction}'");
        if (!(train.OccludedWeight >= 0) || !double.IsFinite(train.OccludedWeight)) throw new UserError($"occluded weight must be a finite number >= 0, got {train.OccludedWeight}");
        if (mixed is not null) Check(g, mixed.Pairs, train with { Mix = 0 });
        if (mixed is null && train.Mix > 0) throw new UserError($"a mixed share of {train.Mix} needs a second pair set");
        if (pairs.Config.Resolution != g.NetConfig.Resolution)
            throw new UserError($"pairs were made at {pairs.Config.Resolution}px, the model works at {g.NetConfig.Resolution}px");
        if (pairs.Z.shape[2] != g.NetConfig.Resolution)
            throw new UserError($"pairs hold {pairs.Z.shape[2]}px noise, the model works at {g.NetConfig.Resolution}px");
        if (Math.Abs(pairs.Config.SigmaMax - g.Cfg.SigmaMax) > 1e-9)
            throw new UserError($"pairs were inverted to sigma_max {pairs.Config.SigmaMax}, the generator starts at {g.Cfg.SigmaMax}");
        if (!OneStepTrainConfig.DiscriminatorConditions.Contains(train.DiscriminatorCondition))
            throw new UserError($"discriminator condition must be one of {string.Join(", ", OneStepTrainConfig.DiscriminatorConditions)}, got '{train.DiscriminatorCondition}'");
        if (train.BatchSize < 1) throw new UserError($"batch size must be at least 1, got {train.BatchSize}");
        // Batches draw pairs with replacement, but a batch larger than the set only costs memory: refused, not capped.
        if (train.BatchSize > pairs.Count)
            throw new UserError($"batch size {train.BatchSize} is larger than the {pairs.Count} pairs available; use {pairs.Count} or fewer, or make more pairs");
        if (!(train.LearningRate > 0) || !double.IsFinite(train.LearningRate)) throw new UserError($"learning rate must be a positive number, got {train.LearningRate}");
        if (!(train.AdversarialWeight >= 0) || !double.IsFinite(train.AdversarialWeight)) throw new UserError($"adversarial weight must be a finite number >= 0, got {train.AdversarialWeight}");
    }

    /// <summary>A new run whose generator is a copy of <paramref name="teacher"/> at the pairs' sigma_max.</summary>
    public static OneStepTrainer Create(GenWarpModel teacher, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir,
        Device? device = null, ResNet18Features? features = null, string? photos = null, MixedPairs? mixed = null)
        => Start(OneStepGenWarp.FromTeacher(teacher, pairs.Config.SigmaMax), train, pairs, depth, outDir, device, features, photos, mixed);

    /// <summary>A new run that fine-tunes <paramref name="from"/> (a one-step GenWarp, grown or not) at its own size.</summary>
    public static OneStepTrainer FineTune(OneStepGenWarp from, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir,
        Device? device = null, ResNet18Features? features = null, string? photos = null, MixedPairs? mixed = null)
        => Start(from, train, pairs, depth, outDir, device, features, photos, mixed);

    /// <summary>
    /// A new growth run: <paramref name="from"/> (a distilled one-step GenWarp, or one grown already) with one more
    /// level (zero head, so it starts as the upsampled output of <paramref name="from"/>), trained on the pairs
    /// rendered at the new output size (PaGoDA stage 3; the levels and the late decoder train).
    /// </summary>
    public static OneStepTrainer Grow(OneStepGenWarp from, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir,
        int? levelChannels = null, string? guide = null, Device? device = null, ResNet18Features? features = null, string? photos = null, MixedPairs? mixed = null)
        => Start(from.Grow(levelChannels, guide), train, pairs, depth, outDir, device, features, photos, mixed);

    static OneStepTrainer Start(OneStepGenWarp g, OneStepTrainConfig train, NovelViewPairSet pairs, IDepthEstimator? depth, string outDir, Device? device, ResNet18Features? features,
        string? photos, MixedPairs? mixed)
    {
        Check(g, pairs, train, mixed);
        RefuseExisting(outDir);
        var dev = device ?? CPU;
        var t = new OneStepTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, depth, outDir, dev, photos, mixed);
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it.</summary>
    public static OneStepTrainer Resume(string outDir, NovelViewPairSet pairs, IDepthEstimator? depth, Device? device = null, ResNet18Features? features = null, string? photos = null,
        MixedPairs? mixed = null)
    {
        var (train, header, tensors) = OpenRun<OneStepTrainConfig>(outDir);
        var g = new OneStepGenWarp(header.ConfigAs<OneStepGenWarpConfig>());
        Checkpoint.LoadWeights(g, tensors, Path.Combine(outDir, "checkpoint.safetensors"));
        Check(g, pairs, train, mixed);
        var dev = device ?? CPU;
        var t = new OneStepTrainer(Build(g, train, dev, features ?? new ResNet18Features()), train, pairs, depth, outDir, dev, photos, mixed);
        t.LoadState(header, tensors);
        return t;
    }

    /// <summary>
    /// Reconstruction from the inverted noise (or fresh noise at <see cref="OneStepTrainConfig.ReconstructionNoise"/>) and
    /// fakes from fresh noise under the same conditions, one batched pass.
    /// </summary>
    protected override GanBatch Forward()
    {
        var b = Train.BatchSize;
        // round(b Mix) pairs of the mixed set after the others (none drawn without one, so such runs draw as before).
        var mixCount = MixPairs is null ? 0 : (int)Math.Round(b * Train.Mix);
        var positions = randint(Pairs.Count, [b - mixCount], generator: Rng);
        var mixPositions = mixCount > 0 ? randint(MixPairs!.Count, [mixCount], generator: Rng) : null;
        Tensor zx;
        // Fresh noise at a view's scale (OneStepTrainConfig.ReconstructionNoise), drawn after the pairs, or the pairs' own.
        if (Train.ReconstructionNoise is { } share) zx = randn([b, Pairs.Z.shape[1], Pairs.Z.shape[2], Pairs.Z.shape[3]], generator: Rng) * (Generator.Cfg.SigmaMax * share);
        else
        {
            zx = Pairs.Z.index_select(0, positions);
            if (mixPositions is not null) zx = cat([zx, MixPairs!.Z.index_select(0, mixPositions)]);
        }
        zx = zx.to(device);
        var zFresh = (randn([b, 3, zx.shape[2], zx.shape[3]], generator: Rng) * Generator.Cfg.SigmaMax).to(device);
        var parts = new List<(INovelViewPairSource Data, long[] Indices)>();
        if (b - mixCount > 0) parts.Add((data, Pairs.Indices(positions)));
        if (mixPositions is not null) parts.Add((mixData!, MixPairs!.Indices(mixPositions)));
        var (batch, guides, real) = Conditions(parts);
        real ??= batch.Target!;
        GenWarpSource source;
        using (no_grad()) source = Generator.Prepare(batch.Source);
        var both = new GenWarpSource(cat([source.Context, source.Context]), source.Reference.Select(t => cat([t, t])).ToList(),
            cat([source.SourceEmbedding, source.SourceEmbedding]));
        var outs = Generator.Generate(cat([zx, zFresh]), both.For(cat([batch.TargetEmbedding, batch.TargetEmbedding])), guides?.Select(g => cat([g, g])).ToList());
        var (ra, xa) = PairAugment.Apply(outs[..b], real, Rng);
        // The warp at the output size: the discriminator's condition and the composed loss's.
        var warp = guides is null ? batch.WarpedRgb : guides[^1][.., ..3];
        Tensor? condition = Discriminator.Conditioned ? warp : null;
        // The pixel loss compares the view itself (not augmented) with its target, over the holes at the output size too;
        // the fakes share the reals' conditions, so their holes too.
        var holes = guides is null ? batch.HoleMask : guides[^1][.., 3..4];
        var reconstruction = Train.Reconstruction switch
        {
            "pixel" => PixelReconstruction.Compute(outs[..b], real, holes, Train.OccludedWeight),
            // The hole terms on the view as the Poisson composition composes it, with the warp at the output size.
            "composed" => PixelReconstruction.Compute(outs[..b], real, holes, Train.OccludedWeight, PixelReconstruction.Composed(outs[..b], warp, holes)),
            _ => perceptual.Compute(ra, xa),
        };
        return new GanBatch(reconstruction, xa, outs[b..], real, Generator.LastLayerWeight, condition, Holes: Train.Discriminator == "patch-holes" ? holes : null);
    }

    static (NovelViewBatch, IReadOnlyList<Tensor>?, Tensor?) Grown(GrownBatch g) => (g.Base, g.Guides, g.Target);

    /// <summary>The conditions (and growth guides and full-size targets) of pairs from one or two sources, concatenated in order.</summary>
    (NovelViewBatch Batch, IReadOnlyList<Tensor>? Guides, Tensor? Real) Conditions(IReadOnlyList<(INovelViewPairSource Data, long[] Indices)> parts)
    {
        var made = parts.Select(p => Levels == 0
            ? (p.Data.Batch(p.Indices, Generator.NetConfig.Resolution, device), (IReadOnlyList<Tensor>?)null, (Tensor?)null)
            : Grown(GrownBatch.From(p.Data, p.Indices, Generator.NetConfig.Resolution, Levels, device))).ToList();
        if (made.Count == 1) return made[0];
        Tensor Cat(Func<NovelViewBatch, Tensor> f) => cat(made.Select(m => f(m.Item1)).ToArray());
        var batch = new NovelViewBatch(Cat(m => m.Source), Cat(m => m.TargetEmbedding), Cat(m => m.WarpedRgb), Cat(m => m.HoleMask),
            made[0].Item1.Target is null ? null : Cat(m => m.Target!));
        var guides = made[0].Item2 is null ? null : Enumerable.Range(0, made[0].Item2!.Count).Select(l => cat(made.Select(m => m.Item2![l]).ToArray())).ToList();
        var real = made[0].Item3 is null ? null : cat(made.Select(m => m.Item3!).ToArray());
        return (batch, guides, real);
    }

    /// <summary>The mean perceptual reconstruction loss of the EMA-free live generator on the first <paramref name="count"/> pairs (no augmentation).</summary>
    public double ReconstructionLoss(int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positions = arange(Math.Min(count, Pairs.Count), dtype: ScalarType.Int64);
        var indices = Pairs.Indices(positions);
        var z = Pairs.Z.index_select(0, positions).to(device);
        if (Levels == 0)
        {
            var batch = data.Batch(indices, Generator.NetConfig.Resolution, device);
            return perceptual.Compute(Generator.Generate(z, Generator.Prepare(batch.Source).For(batch.TargetEmbedding)), batch.Target!).mean().item<float>();
        }
        var grown = GrownBatch.From(data, indices, Generator.NetConfig.Resolution, Levels, device);
        var outs = Generator.Generate(z, Generator.Prepare(grown.Base.Source).For(grown.Base.TargetEmbedding), grown.Guides);
        return perceptual.Compute(outs, grown.Target).mean().item<float>();
    }

    protected override string ProgressName => "genwarp distil";

    protected override SamplingDefaults Sampling => new() { SigmaMax = Generator.Cfg.SigmaMax, Steps = 1 };

    /// <summary>Rows of source | warped | one-step (EMA) | multi-step teacher | ground truth on fixed evaluation pairs.</summary>
    public override void WriteSamples()
    {
        if (Train.SampleCount < 1) return;
        if (Levels > 0)
        {
            WriteGrownSamples();
            return;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (sampleBatch is null)
        {
            using var evalPairs = new ScenePairs(previews, depth);
            sampleBatch = evalPairs.Batch(evalPairs.Render(0, Train.SampleCount), device).DetachFromDisposeScope();
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

    /// <summary>Rows of source | warped | the level below, upsampled | grown (EMA) | ground truth, all at the output size.</summary>
    void WriteGrownSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (grownSamples is null)
        {
            using var evalPairs = new ScenePairs(previews, depth);
            var g = GrownBatch.From(evalPairs, [.. Enumerable.Range(0, Train.SampleCount).Select(i => (long)i)], Generator.NetConfig.Resolution, Levels, device);
            grownSamples = new GrownBatch(g.Base.DetachFromDisposeScope(), g.Guides.Select(t => t.DetachFromDisposeScope()).ToList(), g.Target.DetachFromDisposeScope());
        }
        var s = grownSamples;
        var outs = EmaGenerator.GenerateAll((randn(new long[] { s.Target.shape[0], 3, s.Base.Source.shape[2], s.Base.Source.shape[3] }, generator: new Generator(1234)) * Generator.Cfg.SigmaMax).to(device),
            EmaGenerator.Prepare(s.Base.Source).For(s.Base.TargetEmbedding), s.Guides);
        var size = (int)s.Target.shape[2];
        var below = Resize.To(outs[^2], size, (int)s.Target.shape[3], ResizeFilter.Bilinear).clamp(-1, 1);
        var source = Resize.To(s.Base.Source, size, (int)s.Target.shape[3], ResizeFilter.Bilinear);
        var tiles = new List<Tensor>();
        for (int i = 0; i < s.Target.shape[0]; i++)
        {
            tiles.Add(source[i].cpu());
            tiles.Add(s.Guides[^1][i, ..3].cpu());
            tiles.Add(below[i].cpu());
            tiles.Add(outs[^1][i].clamp(-1, 1).cpu());
            tiles.Add(s.Target[i].cpu());
        }
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), ImageGrid.Tile(tiles, 5));
    }

    public override void Dispose()
    {
        data.Dispose();
        mixData?.Dispose();
        base.Dispose();
    }
}
