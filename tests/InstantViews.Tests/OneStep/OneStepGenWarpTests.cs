using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static InstantViews.Tests.TensorAssert;
using static TorchSharp.torch;

namespace InstantViews.Tests.OneStep;

[Collection("global-rng")]
public class OneStepGenWarpTests
{
    public OneStepGenWarpTests() => TestTorch.Init();

    static GenWarpModel Teacher(int seed = 5)
    {
        random.manual_seed(seed);
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, seed);
        model.eval();
        return model;
    }

    static NovelViewPairsConfig PairsConfig => new() { Resolution = 16, Spp = 1, Seed = 3, Depth = "gt", Steps = 4, SigmaMax = 20 };

    [Fact]
    public void Initialised_generator_is_the_teachers_denoiser_at_sigma_max()
    {
        var teacher = Teacher();
        var g = OneStepGenWarp.FromTeacher(teacher, 20);
        g.eval();
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        var z = randn(2, 3, 16, 16, generator: new Generator(4)) * 20;
        var expected = teacher.Denoise(z, full(2, 20f), teacher.Condition(source, embedding));
        Assert.True(Same(expected, g.Generate(z, g.Prepare(source).For(embedding))));
        // And it is not the skip path alone: the network's output matters.
        Assert.True((expected - Edm.CSkip(full(2, 20f)).view(-1, 1, 1, 1) * z).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void Conditional_pairs_round_trip_and_rebuild_their_condition_from_the_index()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var cfg = PairsConfig with { Steps = 48 };
        using var data = new ScenePairs(cfg.Stream());
        NovelViewPairSet.Build(teacher, data, cfg, new PairsConfig { Count = 3, ChunkSize = 2 }, dir.Path);
        var set = NovelViewPairSet.Load(dir.Path);
        Assert.Equal(3, set.Count);
        Assert.Equal(new long[] { 0, 1, 2 }, set.Index.data<long>().ToArray());
        Assert.Equal(cfg, set.Config);
        // Round trip measured on the first chunk: z -> teacher ODE -> image vs the real target (stated tolerance: 35 dB).
        Assert.True(set.RoundTripPsnr > 35, $"round-trip PSNR {set.RoundTripPsnr:0.0} dB");
        // The stored noise is the inversion of pair 2's real target under pair 2's own condition, rebuilt from its index.
        using var again = new ScenePairs(set.Config.Stream());
        var batch = again.Batch(again.Render([2L]));
        var z = Inversion.Invert(teacher.Denoiser(batch), batch.Target!, cfg.Steps, clamp: true, sigmaMax: cfg.SigmaMax).X;
        Assert.True((z - set.Z[2..3]).abs().max().item<float>() < 1e-4);
        // A different condition (pair 1's) gives different noise for the same target.
        var other = again.Batch(again.Render([1L]));
        var wrong = Inversion.Invert(teacher.Denoiser(other with { Target = batch.Target }), batch.Target!, cfg.Steps, clamp: true, sigmaMax: cfg.SigmaMax).X;
        Assert.True((wrong - set.Z[2..3]).abs().max().item<float>() > 1e-2);
    }

    [Fact]
    public void Cached_preserver_gives_byte_identical_views_and_runs_once_per_source()
    {
        var g = OneStepGenWarp.FromTeacher(Teacher(), 20);
        g.eval();
        using var data = new ScenePairs(PairsConfig.Stream());
        var pairs = data.Render(0, 3);
        var batches = pairs.Select(p => data.Batch([p with { Source = pairs[0].Source }])).ToList();
        using var views = new OneStepViews(g);
        for (int i = 0; i < batches.Count; i++)
        {
            var cachedView = views.Generate(batches[i], seed: 9 + i).Views;
            using var noGrad = no_grad();
            var uncached = g.Generate(batches[i], new Generator((ulong)(9 + i))).clamp(-1, 1);
            Assert.True(Same(cachedView, uncached), $"view {i}");
        }
        Assert.Equal(1, views.PreserverRuns);
        views.Generate(data.Batch([pairs[1]]), 1);
        Assert.Equal(2, views.PreserverRuns);
    }

    static OneStepTrainConfig Train => new() { BatchSize = 2, LearningRate = 1e-3, FeatureSize = 32, LogEvery = 2, CheckpointEvery = 1000, SampleEvery = 0, SampleCount = 0, Seed = 2 };

    static NovelViewPairSet Pairs(GenWarpModel teacher, TempDir dir, long seed = 3)
    {
        var config = PairsConfig with { Seed = seed };
        using var data = new ScenePairs(config.Stream());
        var folder = dir.File($"pairs-{seed}");
        NovelViewPairSet.Build(teacher, data, config, new PairsConfig { Count = 4, ChunkSize = 4, CheckRoundTrip = false }, folder);
        return NovelViewPairSet.Load(folder);
    }

    [Fact]
    public void The_pixel_loss_is_l1_and_ssim_over_the_view_and_again_over_its_holes()
    {
        // Views in [-1, 1] compared in [0, 1]: a block of 8x8 of 16x16 differs by 0.2 there, and it is the hole.
        var target = full(2, 3, 16, 16, -1f);
        var view = target.clone();
        view[.., .., 4..12, 4..12] = tensor(-0.6f);
        var holes = zeros(2, 1, 16, 16);
        holes[0, .., 4..12, 4..12] = tensor(1f); // the second view has no holes
        var (x, y) = (view.add(1).div(2), target.add(1).div(2));
        var whole = PixelReconstruction.Compute(view, target, holes, 0);
        var expected = (x - y).abs().mean([1L, 2L, 3L]) + 1 - Ssim.Compute(x, y);
        Assert.True((whole - expected).abs().max().item<float>() < 1e-6);
        Assert.Equal(0.2 * 64 / 256, (x - y).abs().mean([1L, 2L, 3L])[0].item<float>(), 5);
        var weighted = PixelReconstruction.Compute(view, target, holes, 5);
        var occludedSsim = Ssim.Reduce(1 - Ssim.Map(x, y), holes)[0].item<float>();
        Assert.Equal(whole[0].item<float>() + 5 * (0.2 + occludedSsim), weighted[0].item<float>(), 4);
        Assert.Equal(whole[1].item<float>(), weighted[1].item<float>()); // no holes, nothing more
        Assert.Equal(0, PixelReconstruction.Compute(target, target, holes, 5).abs().max().item<float>(), 6);
        // A distillation with it trains (the discriminator unchanged) and differs from one with the ResNet-18 loss.
        var (p0, r0) = FirstSteps(Train with { Reconstruction = "pixel" }, Train);
        Assert.True(double.IsFinite(p0.Reconstruction) && p0.Reconstruction != r0.Reconstruction);
        using var dir = new TempDir();
        var teacher = Teacher();
        Assert.Equal("reconstruction loss must be one of resnet18, pixel, composed, got 'l2'",
            Assert.Throws<UserError>(() => OneStepTrainer.Create(teacher, Train with { Reconstruction = "l2" }, Pairs(teacher, dir), null, dir.File("l2"))).Message);
    }

    [Fact]
    public void The_composed_loss_reads_the_view_as_the_poisson_composition_composes_it()
    {
        // A smooth target; the warp is the target where it sees (its holes hold anything), a 6x6 hole in the first view.
        var yy = arange(16, dtype: ScalarType.Float32).view(16, 1) / 16;
        var xx = arange(16, dtype: ScalarType.Float32).view(1, 16) / 16;
        var target = stack([(yy * xx).expand(16, 16), (yy - xx).expand(16, 16) / 2, (yy * yy).expand(16, 16) - 0.5f]).unsqueeze(0).repeat(2, 1, 1, 1);
        var holes = zeros(2, 1, 16, 16);
        holes[0, .., 5..11, 3..9] = tensor(1f);
        var warp = where(holes.gt(0.5f), full_like(target, 0.9f), target);
        // A view that is the target off by a constant colour composes as the target (the harmonic fill of a constant is it).
        var offset = target + tensor(new[] { 0.1f, -0.2f, 0.05f }).view(1, 3, 1, 1);
        var composed = PixelReconstruction.Composed(offset, warp, holes);
        Assert.True((composed[0] - target[0])[.., 5..11, 3..9].abs().max().item<float>() < 1e-5);
        Assert.True((composed[1] - warp[1]).abs().max().item<float>() == 0); // no hole: the warp
        // In the hole: the warp's harmonic fill plus the view minus its own harmonic fill, exactly.
        var view = randn(2, 3, 16, 16, generator: new TorchSharp.torch.Generator(3)).clamp(-1, 1) * 0.3f;
        var m = holes[0, 0];
        var expected = (HoleFill.Harmonic(warp[0], m) + view[0] - HoleFill.Harmonic(view[0], m)).clamp(-1, 1);
        var got = PixelReconstruction.Composed(view, warp, holes);
        Assert.True((where(m.gt(0.5f), got[0] - expected, zeros_like(expected))).abs().max().item<float>() < 1e-6);
        Assert.True((where(m.lt(0.5f), got[0] - warp[0], zeros_like(expected))).abs().max().item<float>() == 0);
        // A hole pixel's gradient is the composed pixel's own: 1 for a sum.
        var leaf = view.clone().requires_grad_(true);
        PixelReconstruction.Composed(leaf, warp, holes).sum().backward();
        Assert.Equal(1f, leaf.grad![0, 0, 7, 5].item<float>());
        // The loss's hole terms read the composed view, which is the target: the offset view's loss is its whole-view terms.
        var loss = PixelReconstruction.Compute(offset, target, holes, 5, composed);
        Assert.Equal(PixelReconstruction.Compute(offset, target, holes, 0)[0].item<float>(), loss[0].item<float>(), 4);
        Assert.True(loss[0].item<float>() < PixelReconstruction.Compute(offset, target, holes, 5)[0].item<float>() - 0.1);
        // A distillation with it trains and differs from one with the plain pixel loss.
        var (c0, p0) = FirstSteps(Train with { Reconstruction = "composed" }, Train with { Reconstruction = "pixel" });
        Assert.True(double.IsFinite(c0.Reconstruction) && c0.Reconstruction != p0.Reconstruction);
    }

    [Fact]
    public void The_reconstruction_can_read_fresh_noise_at_a_views_scale_instead_of_the_inverted_noise()
    {
        // The same start, pairs and seed: fresh noise (none at 0) changes the reconstruction, the inverted noise is the default.
        var pixel = Train with { Reconstruction = "pixel" };
        var (fresh, inverted) = FirstSteps(pixel with { ReconstructionNoise = 0.25 }, pixel);
        var (none, again) = FirstSteps(pixel with { ReconstructionNoise = 0 }, pixel);
        Assert.Equal(inverted.Reconstruction, again.Reconstruction);
        Assert.NotEqual(inverted.Reconstruction, fresh.Reconstruction);
        Assert.NotEqual(fresh.Reconstruction, none.Reconstruction);
        using var dir = new TempDir();
        var teacher = Teacher();
        Assert.Equal("the reconstruction's noise must be 0 to 1 of sigma_max, got 1.5",
            Assert.Throws<UserError>(() => OneStepTrainer.Create(teacher, pixel with { ReconstructionNoise = 1.5 }, Pairs(teacher, dir), null, dir.File("r"))).Message);
    }

    /// <summary>The first step of a new run with each of two settings, from the same teacher and pairs.</summary>
    static (GanStepLosses A, GanStepLosses B) FirstSteps(OneStepTrainConfig a, OneStepTrainConfig b)
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        using var runA = OneStepTrainer.Create(teacher, a, pairs, null, dir.File("a"), features: features);
        using var runB = OneStepTrainer.Create(teacher, b, pairs, null, dir.File("b"), features: features);
        return (runA.TrainStep(), runB.TrainStep());
    }

    [Theory]
    [InlineData("patch", "pixel")]
    [InlineData("patch-holes", "pixel")]
    [InlineData("patch", "resnet18")]
    [InlineData("resnet18", "pixel")]
    public void The_patch_discriminator_reads_no_pretrained_network_and_runs_with_it_or_the_pixel_loss_resume_exactly(string disc, string rec)
    {
        var d = new PatchDiscriminator();
        Assert.Equal(new long[] { 3 }, d.Logits(rand(3, 3, 32, 32), null).shape);
        Assert.Equal(new long[] { 2 }, new PatchDiscriminator(conditioned: true).Logits(rand(2, 3, 16, 24), rand(2, 3, 16, 24)).shape);
        Assert.Throws<ArgumentException>(() => d.Logits(rand(1, 3, 16, 16), rand(1, 3, 16, 16)));
        Assert.Throws<ArgumentException>(() => new PatchDiscriminator(conditioned: true).Logits(rand(1, 3, 16, 16), null));
        // Every parameter is its own (4 convolutions and 2 group norms, weights and biases): nothing pretrained.
        Assert.Equal(12, d.parameters().Count());
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        var train = Train with { Discriminator = disc, Reconstruction = rec };
        GanStepLosses[] Steps(OneStepTrainer t, int n) => [.. Enumerable.Range(0, n).Select(_ => t.TrainStep())];
        GanStepLosses[] straight;
        using (var t = OneStepTrainer.Create(teacher, train, pairs, null, dir.File("straight"), features: features))
        {
            straight = Steps(t, 4);
        }
        using (var t = OneStepTrainer.Create(teacher, train, pairs, null, dir.File("killed"), features: features))
        {
            Steps(t, 2);
            t.SaveCheckpoint();
        }
        using (var resumed = OneStepTrainer.Resume(dir.File("killed"), pairs, null, features: features))
        {
            Assert.Equal(straight[2..], Steps(resumed, 2));
        }
        Assert.Equal("discriminator must be one of resnet18, patch, patch-holes, got 'dino'",
            Assert.Throws<UserError>(() => OneStepTrainer.Create(teacher, Train with { Discriminator = "dino" }, pairs, null, dir.File("dino"), features: features)).Message);
    }

    /// <summary>
    /// patch-holes judges the same network per patch with the pairs' hole masks: from the same start its first step's
    /// generator term and discriminator loss differ from patch's, and its reconstruction does not.
    /// </summary>
    [Fact]
    public void Judged_per_patch_the_discriminator_reads_the_pairs_holes()
    {
        var (a, b) = FirstSteps(Train with { Discriminator = "patch", Reconstruction = "pixel" }, Train with { Discriminator = "patch-holes", Reconstruction = "pixel" });
        Assert.Equal(a.Reconstruction, b.Reconstruction);
        Assert.NotEqual(a.Adversarial, b.Adversarial);
        Assert.NotEqual(a.Discriminator, b.Discriminator);
    }

    [Fact]
    public void A_mixed_run_takes_its_share_from_the_second_pairs_and_resumes_exactly_and_a_fine_tune_starts_from_its_model()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var (a, b) = (Pairs(teacher, dir, 3), Pairs(teacher, dir, 4));
        var features = new ResNet18Features();
        var train = Train with { BatchSize = 4 };
        GanStepLosses[] Steps(OneStepTrainer t, int n) => [.. Enumerable.Range(0, n).Select(_ => t.TrainStep())];
        // The whole batch from the second set is a run on that set; none of it is a run on the first.
        GanStepLosses[] onB, onA;
        using (var t = OneStepTrainer.Create(teacher, train, b, null, dir.File("b"), features: features)) onB = Steps(t, 2);
        using (var t = OneStepTrainer.Create(teacher, train, a, null, dir.File("a"), features: features)) onA = Steps(t, 2);
        using (var t = OneStepTrainer.Create(teacher, train with { Mix = 1 }, a, null, dir.File("all-b"), features: features, mixed: new(b, null))) Assert.Equal(onB, Steps(t, 2));
        using (var t = OneStepTrainer.Create(teacher, train, a, null, dir.File("none-b"), features: features, mixed: new(b, null))) Assert.Equal(onA, Steps(t, 2));
        // Half and half: neither run, and exactly resumable.
        var half = train with { Mix = 0.5 };
        GanStepLosses[] straight;
        using (var t = OneStepTrainer.Create(teacher, half, a, null, dir.File("half"), features: features, mixed: new(b, null))) straight = Steps(t, 4);
        Assert.NotEqual(onA, straight[..2]);
        Assert.NotEqual(onB, straight[..2]);
        using (var first = OneStepTrainer.Create(teacher, half, a, null, dir.File("killed"), features: features, mixed: new(b, null)))
        {
            Steps(first, 2);
            first.SaveCheckpoint();
        }
        using (var resumed = OneStepTrainer.Resume(dir.File("killed"), a, null, features: features, mixed: new(b, null))) Assert.Equal(straight[2..], Steps(resumed, 2));
        // A mixed share without a second set is refused, as is one outside [0, 1].
        Assert.Equal("a mixed share of 0.5 needs a second pair set", Assert.Throws<UserError>(() => OneStepTrainer.Create(teacher, half, a, null, dir.File("x"), features: features)).Message);
        Assert.Equal("the mixed share must be 0 to 1, got 1.5", Assert.Throws<UserError>(() =>
            OneStepTrainer.Create(teacher, train with { Mix = 1.5 }, a, null, dir.File("y"), features: features, mixed: new(b, null))).Message);
        // Fine-tuning the teacher's one-step copy is the distillation from the teacher.
        using (var t = OneStepTrainer.FineTune(OneStepGenWarp.FromTeacher(teacher, a.Config.SigmaMax), train, a, null, dir.File("fine"), features: features)) Assert.Equal(onA, Steps(t, 2));
    }

    [Fact]
    public void A_few_steps_lower_the_reconstruction_loss_and_resume_is_exact()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        using (var t = OneStepTrainer.Create(teacher, Train, pairs, null, dir.File("run"), features: features))
        {
            var before = t.ReconstructionLoss(4);
            for (int i = 0; i < 12; i++) t.TrainStep();
            var after = t.ReconstructionLoss(4);
            Assert.True(after < before, $"reconstruction {before} -> {after}");
        }

        using var straight = OneStepTrainer.Create(teacher, Train, pairs, null, dir.File("straight"), features: features);
        for (int i = 0; i < 2; i++) straight.TrainStep();
        var expected = Enumerable.Range(0, 2).Select(_ => straight.TrainStep()).ToArray();
        using (var first = OneStepTrainer.Create(teacher, Train, pairs, null, dir.File("killed"), features: features))
        {
            for (int i = 0; i < 2; i++) first.TrainStep();
            first.SaveCheckpoint();
        }
        using var resumed = OneStepTrainer.Resume(dir.File("killed"), pairs, null, features: features);
        Assert.Equal(2, resumed.Step);
        Assert.Equal(expected, Enumerable.Range(0, 2).Select(_ => resumed.TrainStep()).ToArray());
        var sa = straight.Generator.state_dict();
        foreach (var (name, p) in resumed.Generator.state_dict()) Assert.True(Same(sa[name], p), name);
        // The semantic preserver stays the teacher's: only the denoising side trains.
        var ts = teacher.state_dict();
        foreach (var (name, p) in resumed.Generator.state_dict().Where(p => p.Key.StartsWith("genwarp.preserver.", StringComparison.Ordinal)))
            Assert.True(Same(ts[name["genwarp.".Length..]], p), name);
    }

    // The loss log without its wall-clock columns (throughput, elapsed time).
    static string[] LoggedLosses(string dir) => File.ReadAllLines(Path.Combine(dir, "loss.csv")).Select(l => string.Join(",", l.Split(',')[..6])).ToArray();

    [Fact]
    public void A_distillation_stopped_in_mid_interval_and_resumed_logs_the_rows_of_a_straight_run()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        var train = Train with { LogEvery = 4 };
        using (var straight = OneStepTrainer.Create(teacher, train, pairs, null, dir.File("straight"), features: features)) straight.Run(8, null);
        // Stopped at step 3 (--steps 3, or Ctrl-C): the row of steps 1-4 spans the stop.
        using (var stopped = OneStepTrainer.Create(teacher, train, pairs, null, dir.File("stopped"), features: features)) stopped.Run(3, null);
        using (var resumed = OneStepTrainer.Resume(dir.File("stopped"), pairs, null, features: features)) resumed.Run(8, null);
        Assert.Equal(3, LoggedLosses(dir.File("straight")).Length);
        Assert.Equal(LoggedLosses(dir.File("straight")), LoggedLosses(dir.File("stopped")));
    }

    [Fact]
    public void A_batch_larger_than_the_pairs_is_refused_and_a_failed_first_step_leaves_nothing()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        var e = Assert.Throws<UserError>(() => OneStepTrainer.Create(teacher, Train with { BatchSize = 100000 }, pairs, null, dir.File("big"), features: features));
        Assert.Equal("batch size 100000 is larger than the 4 pairs available; use 4 or fewer, or make more pairs", e.Message);
        Assert.False(Directory.Exists(dir.File("big")));
        // A first step that fails (here: noise that is not finite) writes no train.json or loss.csv.
        var broken = new NovelViewPairSet(pairs.Index, full_like(pairs.Z, double.NaN), pairs.Config);
        using var run = OneStepTrainer.Create(teacher, Train, broken, null, dir.File("runs/first"), features: features);
        e = Assert.Throws<UserError>(() => run.Run(5, null));
        Assert.Contains("diverged at step 1", e.Message);
        Assert.Contains("no checkpoint was written, so nothing of the run is left in", e.Message);
        Assert.False(Directory.Exists(dir.File("runs")));
    }

    [Fact]
    public void A_growth_run_learns_the_larger_targets_writes_its_grid_and_resumes_exactly()
    {
        using var dir = new TempDir();
        var teacher = Teacher();
        var pairs = Pairs(teacher, dir);
        var features = new ResNet18Features();
        var baseModel = OneStepGenWarp.FromTeacher(teacher, 20);
        var train = Train with { SampleCount = 2, DiscriminatorCondition = "warp" };
        using (var t = OneStepTrainer.Grow(baseModel, train, pairs, null, dir.File("run"), levelChannels: 8, features: features))
        {
            Assert.Equal(32, t.Generator.OutputResolution);
            var before = t.ReconstructionLoss(4);
            for (int i = 0; i < 12; i++) t.TrainStep();
            var after = t.ReconstructionLoss(4);
            Assert.True(after < before, $"reconstruction at 32px {before} -> {after}");
            t.WriteSamples();
            using var grid = InstantViews.Imaging.ImageFile.Read(Directory.GetFiles(dir.File("run"), "samples-*.png").Single());
            Assert.Equal([3L, 2 * 32 + 3 * 2, 5 * 32 + 6 * 2], grid.shape); // 2 rows x 5 columns at 32 px, 2 px borders
        }
        using var straight = OneStepTrainer.Grow(baseModel, train, pairs, null, dir.File("straight"), levelChannels: 8, features: features);
        for (int i = 0; i < 2; i++) straight.TrainStep();
        var expected = Enumerable.Range(0, 2).Select(_ => straight.TrainStep()).ToArray();
        using (var first = OneStepTrainer.Grow(baseModel, train, pairs, null, dir.File("killed"), levelChannels: 8, features: features))
        {
            for (int i = 0; i < 2; i++) first.TrainStep();
            first.SaveCheckpoint();
        }
        using var resumed = OneStepTrainer.Resume(dir.File("killed"), pairs, null, features: features);
        Assert.Equal(1, resumed.Generator.Cfg.Levels);
        Assert.Equal(expected, Enumerable.Range(0, 2).Select(_ => resumed.TrainStep()).ToArray());
        // The base's encoder stays as distilled: growth trains the levels and the late decoder only.
        var bs = baseModel.state_dict();
        foreach (var (name, p) in resumed.Generator.state_dict().Where(p => p.Key.StartsWith("genwarp.denoiser.encoder.", StringComparison.Ordinal)))
            Assert.True(Same(bs[name], p), name);
    }

    [Fact]
    public void One_step_checkpoint_rebuilds_from_its_header()
    {
        using var dir = new TempDir();
        var g = OneStepGenWarp.FromTeacher(Teacher(), 20);
        Checkpoint.Save(dir.File("g.safetensors"), g);
        var (loaded, header) = Checkpoint.Load<OneStepGenWarp>(dir.File("g.safetensors"));
        Assert.Equal("genwarp-1step", header.Kind);
        Assert.Equal(20, loaded.Cfg.SigmaMax);
        foreach (var (name, t) in g.state_dict()) Assert.True(Same(t, loaded.state_dict()[name]), name);
    }

    [Fact]
    public void Settings_it_cannot_run_are_refused_with_their_values()
    {
        string Error(OneStepGenWarpConfig c) => Assert.Throws<ArgumentException>(() => new OneStepGenWarp(c)).Message;
        var ok = new OneStepGenWarpConfig { Model = TinyGenWarp.Config };
        Assert.Equal("one-step GenWarp: SigmaMax must be positive, got 0", Error(ok with { SigmaMax = 0 }));
        Assert.Equal("one-step GenWarp: SigmaMax must be positive, got Infinity", Error(ok with { SigmaMax = double.PositiveInfinity }));
        Assert.Equal("one-step GenWarp: SigmaMax must be positive, got NaN", Error(ok with { SigmaMax = double.NaN }));
        Assert.Equal("one-step GenWarp: Levels must be 0 to 3, got -1", Error(ok with { Levels = -1 }));
        Assert.Equal("one-step GenWarp: Levels must be 0 to 3, got 4", Error(ok with { Levels = 4 }));
        Assert.Equal("one-step GenWarp: LevelGuide must be warp or none, got 'depth'", Error(ok with { LevelGuide = "depth" }));
        // A grown model's levels need channels; an ungrown one has no levels to give them, and one channel is enough.
        Assert.Equal("one-step GenWarp: LevelChannels must be positive, got 0", Error(ok with { Levels = 1, LevelChannels = 0 }));
        Assert.Equal(16, new OneStepGenWarp(ok with { Levels = 0, LevelChannels = 0 }).OutputResolution);
        Assert.Equal(32, new OneStepGenWarp(ok with { Levels = 1, LevelChannels = 1 }).OutputResolution);
        Assert.Equal(128, new OneStepGenWarp(ok with { Levels = 3, LevelChannels = 4 }).OutputResolution);
        Assert.Equal((4, 0), (ok.GuideChannels, (ok with { LevelGuide = "none" }).GuideChannels));
        // Sizes must divide by 2 per U-Net level below the first.
        Assert.Equal(2, new OneStepGenWarp(ok).SizeMultiple);
        Assert.Equal(4, new OneStepGenWarp(ok with { Model = TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { ChannelMult = [1, 2, 2] } } }).SizeMultiple);
        // The first level reads the U-Net's last decoder features: Channels x ChannelMult[0] of them.
        var wide = new OneStepGenWarp(ok with { Levels = 1, LevelChannels = 4, Model = TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { ChannelMult = [2, 2] } } });
        var (source, embedding) = TinyGenWarp.Inputs(n: 1);
        using (no_grad())
            Assert.Equal([1L, 3, 32, 32], wide.Generate(randn(1, 3, 16, 16) * 40, wide.Prepare(source).For(embedding), [zeros(1, 4, 32, 32)]).shape);
    }

    [Fact]
    public void Grown_levels_chain_their_widths_read_one_guide_each_and_train_with_the_late_decoder()
    {
        var teacher = Teacher();
        var g = OneStepGenWarp.FromTeacher(teacher, 20);
        var trainable = g.TrainableParameters().Select(p => p.Name).ToList();
        Assert.Contains(trainable, n => n.StartsWith("genwarp.denoiser.", StringComparison.Ordinal));
        Assert.Contains(trainable, n => n.StartsWith("genwarp.targetGuider.", StringComparison.Ordinal));
        Assert.All(trainable, n => Assert.True(n.StartsWith("genwarp.denoiser.", StringComparison.Ordinal) || n.StartsWith("genwarp.targetGuider.", StringComparison.Ordinal), n));
        Assert.Same(g.GenWarp.DenoiserNet.OutputConv.weight, g.LastLayerWeight);
        Assert.Equal(g.parameters().Select(p => p.numel()).Sum(), g.ParameterCount);
        Assert.True(g.ParameterCount > g.parameters().Max(p => p.numel()));

        // Two levels of width 6 (the first reads the U-Net's 8 channels): each runs, with one warp guide per level.
        var grown = g.Grow(6).Grow();
        Assert.Equal((6, "warp"), (grown.Cfg.LevelChannels, grown.Cfg.LevelGuide));
        Assert.Same(grown.Levels[^1].HeadConv.weight, grown.LastLayerWeight);
        var late = grown.TrainableParameters().Select(p => p.Name).ToList();
        Assert.Contains(late, n => n.StartsWith("levels.1.", StringComparison.Ordinal));
        Assert.Contains(late, n => n.StartsWith("genwarp.denoiser.", StringComparison.Ordinal));
        Assert.DoesNotContain(late, n => n.StartsWith("genwarp.preserver.", StringComparison.Ordinal));
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        var cond = grown.Prepare(source).For(embedding);
        var z = randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(8)) * 20;
        Tensor[] guides = [randn(2, 4, 32, 32), randn(2, 4, 64, 64)];
        var all = grown.GenerateAll(z, cond, guides);
        Assert.Equal([2L, 3, 64, 64], all[^1].shape);
        Assert.Equal("this one-step GenWarp's 2 growth level(s) read the warped source: give one guide per level",
            Assert.Throws<ArgumentException>(() => grown.GenerateAll(z, cond, guides[..1])).Message);
        Assert.Throws<ArgumentException>(() => grown.GenerateAll(z, cond));
        // A level that reads no guide ignores the guides it is given.
        var unguided = g.Grow(6, "none");
        Assert.Equal((6, "none"), (unguided.Cfg.LevelChannels, unguided.Cfg.LevelGuide));
        Assert.True(Same(unguided.Generate(z, cond, null), unguided.Generate(z, cond, guides)));
    }

    [Fact]
    public void A_grown_model_moved_onto_a_new_base_keeps_its_levels_and_takes_the_base_outputs()
    {
        var teacher = Teacher();
        var old = OneStepGenWarp.FromTeacher(teacher, 20);
        var grown = old.Grow(6);
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        // Give the level a head that is not zero, and train the base since: a different 16-px generator.
        foreach (var p in grown.Levels[0].parameters()) p.add_(randn(p.shape, generator: new Generator(3)) * 0.1);
        var newBase = OneStepGenWarp.FromTeacher(teacher, 20);
        foreach (var (_, p) in newBase.TrainableParameters()) p.add_(randn(p.shape, generator: new Generator(4)) * 0.05);
        var moved = grown.WithBase(newBase);
        var z = randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(8)) * 20;
        Tensor[] guides = [randn(2, 4, 32, 32)];
        var all = moved.GenerateAll(z, moved.Prepare(source).For(embedding), guides);
        Assert.True(Same(newBase.Generate(z, newBase.Prepare(source).For(embedding)), all[0]));
        Assert.False(Same(grown.GenerateAll(z, grown.Prepare(source).For(embedding), guides)[0], all[0]));
        var levels = moved.Levels[0].state_dict();
        foreach (var (name, t) in grown.Levels[0].state_dict()) Assert.True(Same(t, levels[name]), name);
        Assert.Equal("the new base must have fewer growth levels than the model moved onto it (1), it has 1", Assert.Throws<UserError>(() => grown.WithBase(grown)).Message);
        Assert.Throws<UserError>(() => grown.WithBase(OneStepGenWarp.FromTeacher(teacher, 30)));
        Assert.Throws<UserError>(() => newBase.WithBase(old));

        // Two levels onto a base with one: the base's generator and first level, this model's second level.
        var twice = grown.Grow(6);
        // Both of its levels differ from the base's: the first must come from the base, the second stay its own.
        foreach (var p in twice.Levels[0].parameters()) p.add_(randn(p.shape, generator: new Generator(6)) * 0.1);
        foreach (var p in twice.Levels[1].parameters()) p.add_(randn(p.shape, generator: new Generator(5)) * 0.1);
        var stacked = twice.WithBase(moved);
        foreach (var (name, t) in moved.Levels[0].state_dict()) Assert.True(Same(t, stacked.Levels[0].state_dict()[name]), name);
        Assert.Contains(twice.Levels[0].state_dict(), kv => !Same(kv.Value, stacked.Levels[0].state_dict()[kv.Key]));
        Tensor[] guides2 = [guides[0], randn(2, 4, 64, 64)];
        var outputs = stacked.GenerateAll(z, stacked.Prepare(source).For(embedding), guides2);
        var movedOutputs = moved.GenerateAll(z, moved.Prepare(source).For(embedding), guides);
        Assert.True(Same(movedOutputs[0], outputs[0]));
        Assert.True(Same(movedOutputs[1], outputs[1]));
        foreach (var (name, t) in twice.Levels[1].state_dict()) Assert.True(Same(t, stacked.Levels[1].state_dict()[name]), name);
        Assert.False(Same(twice.GenerateAll(z, twice.Prepare(source).For(embedding), guides2)[1], outputs[1]));
        Assert.Contains("differ from the grown model's", Assert.Throws<UserError>(() => old.Grow(8).Grow(8).WithBase(moved)).Message);
    }

    [Fact]
    public void Views_start_from_unit_noise_times_sigma_max_times_the_noise_scale_and_zero_makes_one_view_per_camera()
    {
        var g = OneStepGenWarp.FromTeacher(Teacher(), 20);
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        var prepared = g.Prepare(source);
        var z = randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(9)) * 20;
        Assert.True(Same(g.Generate(z, prepared.For(embedding)), g.Generate(prepared, embedding, new Generator(9))));
        Assert.True(Same(g.Generate(z * 0.25, prepared.For(embedding)), g.Generate(prepared, embedding, new Generator(9), noiseScale: 0.25)));
        Assert.True(Same(g.Generate(zeros_like(z), prepared.For(embedding)), g.Generate(prepared, embedding, new Generator(1), noiseScale: 0)));
        Assert.True(Same(g.Generate(prepared, embedding, new Generator(1), noiseScale: 0), g.Generate(prepared, embedding, new Generator(2), noiseScale: 0)));
        Assert.False(Same(g.Generate(prepared, embedding, new Generator(1)), g.Generate(prepared, embedding, new Generator(2))));
        // The views of a file: the header's scale unless the caller gives one; out of 0..1 refused.
        using var dir = new TempDir();
        Checkpoint.Save(dir.File("g.safetensors"), g, sampling: new SamplingDefaults { SigmaMax = 20, NoiseScale = 0.5 });
        Assert.Equal(0.5, ((OneStepViews)NovelViewGenerators.Open(dir.File("g.safetensors"))).NoiseScale);
        Assert.Equal(0.0, ((OneStepViews)NovelViewGenerators.Open(dir.File("g.safetensors"), null, new SamplingOverrides(NoiseScale: 0))).NoiseScale);
        Checkpoint.Save(dir.File("old.safetensors"), g);
        Assert.Equal(1.0, ((OneStepViews)NovelViewGenerators.Open(dir.File("old.safetensors"))).NoiseScale);
        Assert.Throws<UserError>(() => new OneStepViews(g, -0.1));
    }
}
