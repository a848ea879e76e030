using InstantViews.Diffusion;
using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Training;
using static TorchSharp.torch;

namespace InstantViews.Tests.Pagoda;

[Collection("global-rng")]
public class PagodaTests
{
    public PagodaTests() => TestTorch.Init();

    static UNetConfig Tiny => new() { Resolution = 8, Channels = 8, ChannelMult = [1, 2], BlocksPerLevel = 1, AttentionResolutions = [4], Heads = 2 };

    static UNet Teacher(int seed = 1)
    {
        var net = new UNet(Tiny);
        var g = new TorchSharp.torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var p in net.parameters()) p.copy_(randn(p.shape, generator: g) * 0.1);
        return net;
    }

    [Fact]
    public void Pairs_from_gaussian_denoiser_match_analytic_noise_and_round_trip()
    {
        const double mu = 0.1, tau = 0.4;
        var den = new LambdaDenoiser((x, s) =>
        {
            var s2 = s.square().view(-1, 1, 1, 1);
            return (tau * tau * x + s2 * mu) / (tau * tau + s2);
        });
        var data = (mu + tau * randn(new long[] { 6, 3, 16, 16 }, generator: new TorchSharp.torch.Generator(2))).clamp(-1, 1);
        using var dir = new TempDir();
        PairBuilder.Build(den, 8, 80, (start, n) => data[(int)start..(int)(start + n)], new PairsConfig { Count = 6, ChunkSize = 4, CheckRoundTrip = false }, dir.Path);
        Assert.Equal(2, Directory.GetFiles(dir.Path, "chunk-*.safetensors").Length);
        var set = PairSet.Load(dir.Path);
        Assert.Equal(6, set.Count);
        Assert.Equal(16, set.Resolution);
        Assert.Equal(8, set.BaseResolution);
        // Analytic PF-ODE map of the (quantised, downsampled) image from smin to smax.
        var low = InstantViews.Imaging.Resize.Down(set.Images(arange(6)), 2);
        var analytic = mu + (low - mu) * Math.Sqrt(tau * tau + 80 * 80) / Math.Sqrt(tau * tau + 0.002 * 0.002);
        var rel = ((set.Z - analytic).abs().max() / 80).item<float>();
        Assert.True(rel < 0.04, $"relative error {rel}");
        // Re-running resumes: nothing is rewritten.
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "chunk-00000.safetensors"));
        PairBuilder.Build(den, 8, 80, (_, _) => throw new InvalidOperationException("should skip"), new PairsConfig { Count = 6, ChunkSize = 4 }, dir.Path);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "chunk-00000.safetensors")));
    }

    [Fact]
    public void Pair_file_round_trips_and_merges_shards()
    {
        using var dir = new TempDir();
        var x = randint(0, 256, new long[] { 3, 3, 16, 16 }).to_type(ScalarType.Byte);
        var z = randn(3, 3, 8, 8) * 80;
        new PairSet(x, z, 33.5).Save(dir.File("a/chunk-00000.safetensors"));
        new PairSet(x.flip(3), z * 2, 31.5).Save(dir.File("b/chunk-00001.safetensors"));
        var merged = PairSet.Merge([dir.File("a"), dir.File("b")], dir.File("all.safetensors"));
        var back = PairSet.Load(dir.File("all.safetensors"));
        Assert.Equal(6, back.Count);
        Assert.True(TensorAssert.Same(back.X[..3], x));
        Assert.True(TensorAssert.Same(back.Z[3..], z * 2));
        Assert.Equal(32.5, back.RoundTripPsnr, 6);
        Assert.Equal(merged.Count, back.Count);
    }

    [Fact]
    public void Generator_output_shapes_at_each_growth_level()
    {
        var g = OneStepGenerator.FromTeacher(Teacher(), 80);
        using var z = g.SampleNoise(2);
        Assert.Equal(new long[] { 2, 3, 8, 8 }, g.Forward(z).shape);
        var g1 = g.Grow(16);
        var g2 = g1.Grow();
        Assert.Equal(16, g1.OutputResolution);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, g1.Forward(z).shape);
        var all = g2.ForwardAll(z);
        Assert.Equal(new[] { 8L, 16, 32 }, all.Select(t => t.shape[2]));
    }

    [Fact]
    public void Base_generator_is_the_teachers_raw_output_at_sigma_max()
    {
        var teacher = Teacher(3);
        var g = OneStepGenerator.FromTeacher(teacher, 80);
        using var z = randn(2, 3, 8, 8) * 80;
        var s = full(2, 80f);
        var expected = teacher.Forward(z * Edm.CIn(s).view(-1, 1, 1, 1), Edm.CNoise(s));
        Assert.True((g.Forward(z) - expected).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Fresh_growth_level_gives_upsampled_base_output()
    {
        var g = OneStepGenerator.FromTeacher(Teacher(4), 80);
        var grown = g.Grow(16);
        using var z = g.SampleNoise(2);
        var up = nn.functional.interpolate(g.Forward(z), scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True((grown.Forward(z) - up).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Upscaler_inverts_with_the_teacher_then_evaluates_the_generator_once_and_counts_it()
    {
        var teacher = Teacher(6);
        var grown = OneStepGenerator.FromTeacher(teacher, 80).Grow(16);
        grown.eval();
        var low = (rand(new long[] { 2, 3, 8, 8 }, generator: new TorchSharp.torch.Generator(4)) * 2 - 1);
        var (high, nfe) = new Upscaler(grown, teacher, 80, inversionSteps: 6).Upscale(low);
        var inverted = Inversion.Invert(new EdmDenoiser(teacher), low, 6, clamp: true, sigmaMax: 80);
        Assert.Equal(inverted.Nfe + 1, nfe);
        Assert.Equal(2 * (6 - 1) + 1, nfe); // reverse Heun over the 5 intervals of 6 points, then one generator evaluation
        Assert.Equal(new long[] { 2, 3, 16, 16 }, high.shape);
        using (no_grad()) Assert.True((high - grown.Forward(inverted.X).clamp(-1, 1)).abs().max().item<float>() < 1e-5f);
        var error = Assert.Throws<InstantViews.Runtime.UserError>(() => new Upscaler(grown, teacher, 80).Upscale(zeros(1, 3, 16, 16)));
        Assert.Contains("[N, 3, 8, 8]", error.Message);
    }

    [Fact]
    public void Grow_step_changes_new_parameters_and_keeps_frozen_ones()
    {
        var grown = OneStepGenerator.FromTeacher(Teacher(5), 80).Grow(16);
        var trainable = grown.TrainableParameters().Select(p => p.Name).ToHashSet();
        Assert.Contains(trainable, n => n.StartsWith("levels.0."));
        Assert.DoesNotContain(trainable, n => n.StartsWith("net.encoder.") || n.StartsWith("net.middle."));
        Assert.Contains(trainable, n => n.StartsWith("net.")); // the late decoder trains too
        // The last layer (where the adaptive weight is measured) is the new level's head; its width is the one asked for.
        Assert.Same(grown.Levels[^1].HeadConv.weight, grown.LastLayerWeight);
        Assert.Equal(16, grown.Cfg.LevelChannels);
        Assert.Equal("pagoda-generator", grown.Kind);
        var before = grown.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        foreach (var (name, p) in grown.named_parameters()) p.requires_grad = trainable.Contains(name);
        var opt = new Adam(grown.TrainableParameters(), 1e-2);
        using var z = grown.SampleNoise(2);
        for (int i = 0; i < 3; i++)
        {
            opt.ZeroGrad();
            (grown.Forward(z) - 0.5).square().mean().backward();
            opt.Update();
        }
        foreach (var (name, p) in grown.named_parameters())
        {
            var changed = !TensorAssert.Same(p, before[name]);
            if (trainable.Contains(name) && name.Contains("head")) Assert.True(changed, $"{name} should train");
            if (!trainable.Contains(name)) Assert.False(changed, $"{name} is frozen");
        }
    }

    [Fact]
    public void A_guided_level_reads_its_guide_and_adds_its_head_to_the_upsampled_image()
    {
        var level = new GrowthLevel(8, 8, 16, 3, guideChannels: 4);
        var unguided = new GrowthLevel(8, 8, 16, 3);
        // A level on its own exposes its layers' parameters (to be trained and saved): the guided one reads 8 + 4 channels.
        var parameters = level.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Contains(parameters.Keys, n => n.StartsWith("head.", StringComparison.Ordinal));
        Assert.Contains(parameters.Values, p => p.dim() == 4 && p.shape[1] == 12);
        InstantViews.Tests.GenWarp.TinyGenWarp.Randomise(level, 2);
        var g = new TorchSharp.torch.Generator(3);
        var features = randn(new long[] { 2, 8, 4, 4 }, generator: g);
        var image = randn(new long[] { 2, 3, 4, 4 }, generator: g);
        var emb = randn(new long[] { 2, 16 }, generator: g);
        var guide = randn(new long[] { 2, 4, 8, 8 }, generator: g);
        using var noGrad = no_grad();
        var (f1, _) = level.Forward(features, image, emb, guide);
        var (f2, _) = level.Forward(features, image, emb, -guide);
        Assert.Equal([2L, 8, 8, 8], f1.shape);
        Assert.True((f1 - f2).abs().max().item<float>() > 1e-3, "the guide must reach the features");
        // A head that outputs the constant 0.5: the image is the bilinear upsampling plus 0.5.
        level.HeadConv.weight!.zero_();
        level.HeadConv.bias!.fill_(0.5f);
        var (_, im) = level.Forward(features, image, emb, guide);
        var up = nn.functional.interpolate(image, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True((im - (up + 0.5f)).abs().max().item<float>() < 1e-6);
        string Error(Action a) => Assert.Throws<ArgumentException>(a).Message;
        Assert.Equal("this growth level reads 4 guide channels, got none", Error(() => level.Forward(features, image, emb)));
        Assert.Equal("this growth level reads 4 guide channels, got 2", Error(() => level.Forward(features, image, emb, guide[.., ..2])));
        Assert.Equal("this growth level reads 0 guide channels, got 4", Error(() => unguided.Forward(features, image, emb, guide)));
    }

    [Fact]
    public void Input_noise_is_unit_noise_times_sigma_max_at_the_base_resolution()
    {
        var gen = OneStepGenerator.FromTeacher(Teacher(2), 80).Grow(8);
        var z = gen.SampleNoise(3, new TorchSharp.torch.Generator(4));
        var unit = randn(new long[] { 3, 3, 8, 8 }, generator: new TorchSharp.torch.Generator(4));
        Assert.Equal(0, (z - unit * 80).abs().max().item<float>());
    }

    [Fact]
    public void Hinge_losses_on_known_logits()
    {
        using var real = tensor(new[] { 2f, 0.5f, -1f });
        using var fake = tensor(new[] { -2f, 0f, 1f });
        // relu(1 - real) = [0, 0.5, 2] -> mean 5/6; relu(1 + fake) = [0, 1, 2] -> mean 1.
        Assert.Equal(5f / 6 + 1, GanLosses.DiscriminatorHinge(real, fake).item<float>(), 5);
        Assert.Equal(1f / 3, GanLosses.GeneratorHinge(fake).item<float>(), 5);
    }

    [Fact]
    public void Adaptive_weight_on_a_toy_graph()
    {
        var w = tensor(new[] { 1f, 2f }).requires_grad_(true);
        // L_rec = 3 * sum(w) -> grad norm 3 sqrt(2); L_G = sum(w^2) -> grad (2, 4), norm sqrt(20).
        var rec = 3 * w.sum();
        var adv = w.square().sum();
        var expected = 3 * Math.Sqrt(2) / (Math.Sqrt(20) + 1e-4);
        Assert.Equal(expected, GanLosses.AdaptiveWeight(rec, adv, w), 4);
        // Clipped to [0.01, 10].
        Assert.Equal(10, GanLosses.AdaptiveWeight(1000 * w.sum(), w.sum() * 1e-3, w), 6);
        // The 1e-4 guards the division: gradients of norm 1e-4 on both sides give 1e-4 / (1e-4 + 1e-4) = 0.5.
        var unit = tensor(new[] { 0.6f, 0.8f });
        Assert.Equal(0.5, GanLosses.AdaptiveWeight((w * unit).sum() * 1e-4, (w * unit).sum() * 1e-4, w), 3);
    }

    [Fact]
    public void Tiny_end_to_end_run_lowers_reconstruction_loss()
    {
        using var dir = new TempDir();
        var teacher = Teacher(6);
        var g = new TorchSharp.torch.Generator(7);
        var x = PairSet.Quantise((rand(new long[] { 8, 3, 16, 16 }, generator: g) * 2 - 1).clamp(-1, 1));
        var pairs = new PairSet(x, randn(new long[] { 8, 3, 8, 8 }, generator: g) * 80);
        var features = new ResNet18Features();
        var cfg = new PagodaTrainConfig { BatchSize = 4, LearningRate = 1e-3, FeatureSize = 32, LogEvery = 5, CheckpointEvery = 1000, SampleEvery = 0 };
        var t = PagodaTrainer.CreateBase(teacher, 80, cfg, pairs, dir.File("base"), features: features);
        var first = t.TrainStep().Reconstruction;
        for (int i = 0; i < 25; i++) t.TrainStep();
        var last = Enumerable.Range(0, 3).Average(_ => t.TrainStep().Reconstruction);
        Assert.True(last < first, $"reconstruction {first} -> {last}");
        t.SaveCheckpoint();
        var grow = PagodaTrainer.CreateGrow(t.EmaGenerator, cfg, pairs, dir.File("grow"), features: features);
        var gFirst = grow.TrainStep().Reconstruction;
        for (int i = 0; i < 15; i++) grow.TrainStep();
        var gLast = Enumerable.Range(0, 3).Average(_ => grow.TrainStep().Reconstruction);
        Assert.Equal(16, grow.Generator.OutputResolution);
        Assert.True(gLast < gFirst, $"grow reconstruction {gFirst} -> {gLast}");
        var resumed = PagodaTrainer.Resume(dir.File("base"), pairs, features: features);
        Assert.Equal(t.Step, resumed.Step);
    }

    [Fact]
    public void A_training_step_moves_the_generator_towards_the_discriminator_and_the_discriminator_apart()
    {
        using var dir = new TempDir();
        var teacher = Teacher(9);
        var g = new TorchSharp.torch.Generator(10);
        var x = PairSet.Quantise((rand(new long[] { 8, 3, 8, 8 }, generator: g) * 2 - 1).clamp(-1, 1));
        var pairs = new PairSet(x, randn(new long[] { 8, 3, 8, 8 }, generator: g) * 80);
        var features = new ResNet18Features();
        // The adversarial term dominates (w = 100), and both learning rates are large enough to see one step.
        var cfg = new PagodaTrainConfig { BatchSize = 8, LearningRate = 1e-3, DiscriminatorLearningRate = 1e-4, AdversarialWeight = 100, FeatureSize = 32, CheckpointEvery = 1000, SampleEvery = 0 };
        var t = PagodaTrainer.CreateBase(teacher, 80, cfg, pairs, dir.File("run"), features: features);
        // The batch the step will draw (the trainer's generator is seeded with Seed + 1): its real images and fresh noise.
        var replay = new TorchSharp.torch.Generator((ulong)cfg.Seed + 1);
        var real = pairs.Images(randint(pairs.Count, [8], generator: replay));
        using var noise = t.Generator.SampleNoise(8, replay);
        var before = new ProjectedDiscriminator(features, ((ProjectedDiscriminator)t.Discriminator).FeatureSize);
        before.load_state_dict(t.Discriminator.state_dict());
        Tensor fakeBefore;
        using (no_grad()) fakeBefore = t.Generator.Forward(noise).detach();
        t.TrainStep();
        using var noGrad = no_grad();
        var fakeAfter = t.Generator.Forward(noise);
        // Generator step: the old discriminator scores the new fakes higher (L_G = -E[D(G(z))] went down).
        var dFakeBefore = before.forward(fakeBefore).mean().item<float>();
        var dFakeAfter = before.forward(fakeAfter).mean().item<float>();
        Assert.True(dFakeAfter > dFakeBefore, $"D(fake) {dFakeBefore} -> {dFakeAfter}");
        // Discriminator step: its hinge loss on the real images and fakes it was trained on went down (the hinge
        // ignores logits already past their margin, so this, not the raw D(real) - D(fake), is what a step must improve).
        var lossBefore = GanLosses.DiscriminatorHinge(before.forward(real), before.forward(fakeBefore)).item<float>();
        var lossAfter = GanLosses.DiscriminatorHinge(t.Discriminator.forward(real), t.Discriminator.forward(fakeBefore)).item<float>();
        Assert.True(lossAfter < lossBefore, $"L_D {lossBefore} -> {lossAfter}");
    }

    /// <summary>A base run on 8 random 8x8 pairs whose first step can be replayed from the config's seed.</summary>
    static (PagodaTrainer Trainer, PairSet Pairs, ResNet18Features Features, UNet Teacher) ReplayableRun(TempDir dir, PagodaTrainConfig cfg)
    {
        var teacher = Teacher(11);
        var g = new TorchSharp.torch.Generator(12);
        var x = PairSet.Quantise((rand(new long[] { 8, 3, 8, 8 }, generator: g) * 2 - 1).clamp(-1, 1));
        var pairs = new PairSet(x, randn(new long[] { 8, 3, 8, 8 }, generator: g) * 80);
        var features = new ResNet18Features();
        return (PagodaTrainer.CreateBase(teacher, 80, cfg, pairs, dir.File("run"), features: features), pairs, features, teacher);
    }

    static PagodaTrainConfig ReplayConfig => new() { BatchSize = 4, LearningRate = 1e-3, FeatureSize = 32, CheckpointEvery = 1000, SampleEvery = 0 };

    [Fact]
    public void The_distillation_term_is_the_distance_from_g_of_fresh_noise_to_the_teachers_heun_solution_of_it()
    {
        using var dir = new TempDir();
        var cfg = ReplayConfig with { DistillationWeight = 1, DistillationBatch = 3, DistillationSteps = 6 };
        var (t, pairs, features, teacher) = ReplayableRun(dir, cfg);
        // The step draws the batch indices, then the fresh noise, from the generator seeded with Seed + 1.
        var replay = new TorchSharp.torch.Generator((ulong)cfg.Seed + 1);
        randint(pairs.Count, [cfg.BatchSize], generator: replay);
        using var fresh = t.Generator.SampleNoise(cfg.BatchSize, replay)[..3];
        Tensor expected;
        using (no_grad())
        {
            var solved = Samplers.Heun(new EdmDenoiser(teacher), fresh, NoiseGrid.Karras(6, sigmaMax: 80)).X.clamp(-1, 1);
            expected = new PerceptualDistance(features, new PerceptualConfig(MinSize: 32)).Compute(t.Generator.Forward(fresh), solved).mean();
        }
        var step = t.TrainStep();
        Assert.Equal(expected.item<float>(), step.Distillation, 4);
        Assert.True(step.Distillation > 1e-3, $"distillation {step.Distillation}");
        // Off by default: the term is neither computed nor reported.
        using var dir2 = new TempDir();
        Assert.Equal(0, ReplayableRun(dir2, ReplayConfig).Trainer.TrainStep().Distillation);
    }

    [Fact]
    public void Distillation_pulls_the_generator_towards_the_teachers_solutions()
    {
        using var dir = new TempDir();
        var cfg = ReplayConfig with { DistillationWeight = 50, DistillationBatch = 4, DistillationSteps = 4, AdversarialWeight = 0, LearningRate = 2e-3 };
        var t = ReplayableRun(dir, cfg).Trainer;
        var first = t.TrainStep().Distillation;
        for (int i = 0; i < 15; i++) t.TrainStep();
        var last = Enumerable.Range(0, 3).Average(_ => t.TrainStep().Distillation);
        Assert.True(last < 0.7 * first, $"distillation {first} -> {last}");
    }

    [Fact]
    public void Pair_augmentation_is_one_colour_change_shift_and_cutout_written_out_for_both_images()
    {
        // Replays the draws in their order (brightness, saturation, contrast [N]; shift x, shift y [N]; cutout centre
        // y, x [N]) and applies the transform in loops: colour per RGB triple and per image, a shift by whole pixels
        // (on an 8x8 image a shift of t in grid units moves 4 t pixels, nearest sampling, zeros outside) and a zeroed
        // square of side 2 px (a quarter of 8) around the cutout centre, the same for both images.
        const int n = 3, h = 8, w = 8;
        var a = rand(new long[] { n, 3, h, w }, generator: new Generator(1)) * 2 - 1;
        var b = rand(new long[] { n, 3, h, w }, generator: new Generator(2)) * 2 - 1;
        var (outA, outB) = PairAugment.Apply(a, b, new Generator(7));
        var g = new Generator(7);
        float[] Draw() => rand(new long[] { n }, generator: g).data<float>().ToArray();
        var (brightness, saturation, contrast, shiftX, shiftY, cutY, cutX) = (Draw(), Draw(), Draw(), Draw(), Draw(), Draw(), Draw());
        // These draws move some images by a pixel each way (|t| > 0.125) and leave others in place.
        Assert.Contains(shiftX.Concat(shiftY), r => Math.Abs((2 * r - 1) * 0.25) > 0.13);
        Assert.Contains(shiftX.Concat(shiftY), r => Math.Abs((2 * r - 1) * 0.25) < 0.12);
        foreach (var (input, output) in new[] { (a, outA), (b, outB) })
        {
            var x = input.data<float>().ToArray();
            var y = output.data<float>().ToArray();
            int At(int i, int c, int r, int col) => ((i * 3 + c) * h + r) * w + col;
            for (int i = 0; i < n; i++)
            {
                // Colour: brightness (r - 0.5) 0.4, saturation 2 r about the pixel's grey, contrast r + 0.5 about the image's mean.
                var coloured = new double[3, h, w];
                for (int r = 0; r < h; r++)
                    for (int col = 0; col < w; col++)
                    {
                        double grey = 0;
                        for (int c = 0; c < 3; c++) grey += (x[At(i, c, r, col)] + (brightness[i] - 0.5) * 0.4) / 3;
                        for (int c = 0; c < 3; c++) coloured[c, r, col] = (x[At(i, c, r, col)] + (brightness[i] - 0.5) * 0.4 - grey) * saturation[i] * 2 + grey;
                    }
                var mean = coloured.Cast<double>().Average();
                // Shift: (2 r - 1) 0.25 in grid units, rounded to hundredths; output pixel j reads input pixel round(j + 4 t).
                var dx = (int)Math.Round(4 * Math.Round((2 * shiftX[i] - 1) * 0.25, 2));
                var dy = (int)Math.Round(4 * Math.Round((2 * shiftY[i] - 1) * 0.25, 2));
                for (int c = 0; c < 3; c++)
                    for (int r = 0; r < h; r++)
                        for (int col = 0; col < w; col++)
                        {
                            var (sr, sc) = (r + dy, col + dx);
                            var shifted = sr is >= 0 and < h && sc is >= 0 and < w ? (coloured[c, sr, sc] - mean) * (contrast[i] + 0.5) + mean : 0;
                            var cut = Math.Abs(r - cutY[i] * h) < 1 && Math.Abs(col - cutX[i] * w) < 1;
                            Assert.Equal(cut ? 0 : shifted, y[At(i, c, r, col)], 4);
                        }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_discriminator_step_scores_reals_and_fakes_through_one_shared_augmentation_when_asked(bool augment)
    {
        using var dir = new TempDir();
        var cfg = ReplayConfig with { DiscriminatorAugment = augment };
        var (t, pairs, features, _) = ReplayableRun(dir, cfg);
        var before = new ProjectedDiscriminator(features, ((ProjectedDiscriminator)t.Discriminator).FeatureSize);
        before.load_state_dict(t.Discriminator.state_dict());
        // Replay the step's draws: batch indices, fresh noise, the reconstruction's augmentation, then D's.
        var replay = new TorchSharp.torch.Generator((ulong)cfg.Seed + 1);
        var idx = randint(pairs.Count, [cfg.BatchSize], generator: replay);
        var real = pairs.Images(idx);
        using var fresh = t.Generator.SampleNoise(cfg.BatchSize, replay);
        Tensor expected, expectedAdversarial, expectedReconstruction;
        using (no_grad())
        {
            var fake = t.Generator.Forward(fresh);
            // The reconstruction: G(z_x) against the real image under one shared augmentation.
            var (recA, realA) = PairAugment.Apply(t.Generator.Forward(pairs.Noise(idx)), real, replay);
            expectedReconstruction = new PerceptualDistance(features, new PerceptualConfig(MinSize: 32)).Compute(recA, realA).mean();
            var (fa, ra) = augment ? PairAugment.Apply(fake, real, replay) : (fake, real);
            expected = GanLosses.DiscriminatorHinge(before.forward(ra), before.forward(fa));
            expectedAdversarial = GanLosses.GeneratorHinge(before.forward(fa));
            if (augment)
            {
                // The draw changed what D saw.
                var plain = GanLosses.DiscriminatorHinge(before.forward(real), before.forward(fake)).item<float>();
                Assert.True(Math.Abs(plain - expected.item<float>()) > 1e-4, $"augmented {expected.item<float>()} vs plain {plain}");
            }
        }
        var step = t.TrainStep();
        Assert.Equal(expected.item<float>(), step.Discriminator, 4);
        // The generator's terms: its adversarial loss on the same (augmented) fakes, the reconstruction on the pairs.
        Assert.Equal(expectedAdversarial.item<float>(), step.Adversarial, 4);
        Assert.Equal(expectedReconstruction.item<float>(), step.Reconstruction, 4);
    }

    [Fact]
    public void The_average_starts_at_the_generator_follows_it_and_is_what_the_run_ships()
    {
        using var dir = new TempDir();
        var (t, _, _, _) = ReplayableRun(dir, ReplayConfig with { LogEvery = 1 });
        var live = t.Generator.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var start = t.EmaGenerator.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.All(start, p => Assert.True(TensorAssert.Same(p.Value, live[p.Key].detach()), p.Key));
        Assert.All(t.EmaGenerator.parameters(), p => Assert.False(p.requires_grad));
        t.TrainStep();
        // avg = d avg + (1 - d) live with d = min(0.999, (1 + t) / (10 + t)) at step 1.
        const double d = 2.0 / 11;
        using (no_grad())
            foreach (var (name, p) in t.EmaGenerator.named_parameters())
                Assert.True((p - (d * start[name] + (1 - d) * live[name])).abs().max().item<float>() < 1e-6, name);
        t.TrainStep(); // a second logged step, so the loss plot has a line
        t.SaveCheckpoint();
        var shipped = InstantViews.Runtime.Checkpoint.ReadAll(dir.File("run/model.safetensors")).Tensors.ToDictionary(p => p.Key, p => p.Value);
        Assert.All(t.EmaGenerator.state_dict(), p => Assert.True(TensorAssert.Same(p.Value, shipped[p.Key]), p.Key));
        Assert.True(File.Exists(dir.File("run/loss.png")));
        // The checkpoint keeps both optimisers, the average, the discriminator and the run's generator under their names.
        var names = InstantViews.Runtime.Checkpoint.ReadAll(dir.File("run/checkpoint.safetensors")).Tensors.Select(p => p.Key).ToList();
        Assert.Contains("adam_g/step", names);
        Assert.Contains("adam_d/step", names);
        Assert.Contains("rng/generator", names);
        Assert.Contains(names, n => n.StartsWith("ema/", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("disc/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_saved_before_its_first_step_has_its_files_and_a_run_that_diverges_after_a_save_keeps_it()
    {
        using var dir = new TempDir();
        var teacher = Teacher(15);
        var g = new TorchSharp.torch.Generator(16);
        var pairs = new PairSet(PairSet.Quantise((rand(new long[] { 8, 3, 8, 8 }, generator: g) * 2 - 1).clamp(-1, 1)), randn(new long[] { 8, 3, 8, 8 }, generator: g) * 80);
        var run = PagodaTrainer.CreateBase(teacher, 80, ReplayConfig, pairs, dir.File("run"), features: new ResNet18Features());
        run.SaveCheckpoint(); // before any step: the run's settings are written with it
        Assert.True(File.Exists(dir.File("run/train.json")));
        Assert.True(File.Exists(dir.File("run/checkpoint.safetensors")));
        run.TrainStep();
        run.SaveCheckpoint();
        using (TorchSharp.torch.no_grad())
            foreach (var p in run.Generator.parameters()) p.fill_(float.NaN);
        var e = Assert.Throws<InstantViews.Runtime.UserError>(() => run.TrainStep());
        Assert.EndsWith($"the last checkpoint in '{dir.File("run")}' (step 1) is kept: resume with a lower --lr", e.Message);
        Assert.True(File.Exists(dir.File("run/checkpoint.safetensors")));
    }

    [Fact]
    public void A_run_with_augmentation_and_distillation_resumes_exactly_with_its_teacher_read_again()
    {
        using var dir = new TempDir();
        var teacher = Teacher(13);
        InstantViews.Runtime.Checkpoint.Save(dir.File("teacher.safetensors"), teacher);
        var g = new TorchSharp.torch.Generator(14);
        var pairs = new PairSet(PairSet.Quantise((rand(new long[] { 8, 3, 8, 8 }, generator: g) * 2 - 1).clamp(-1, 1)), randn(new long[] { 8, 3, 8, 8 }, generator: g) * 80);
        var features = new ResNet18Features();
        // Rows of three steps: the checkpoint at step 2 falls inside the first, which the resumed run completes.
        var cfg = ReplayConfig with { DiscriminatorAugment = true, DistillationWeight = 1, DistillationBatch = 2, DistillationSteps = 3, Teacher = dir.File("teacher.safetensors"), LogEvery = 3 };
        var straight = PagodaTrainer.CreateBase(teacher, 80, cfg, pairs, dir.File("straight"), features: features);
        for (int i = 0; i < 2; i++) straight.TrainStep();
        var expected = Enumerable.Range(0, 2).Select(_ => straight.TrainStep()).ToArray();
        var first = PagodaTrainer.CreateBase(teacher, 80, cfg, pairs, dir.File("killed"), features: features);
        for (int i = 0; i < 2; i++) first.TrainStep();
        first.SaveCheckpoint();
        var resumed = PagodaTrainer.Resume(dir.File("killed"), pairs, features: features);
        Assert.Equal(2, resumed.Step);
        Assert.Equal(first.Elapsed, resumed.Elapsed, 6); // the clock carries on
        Assert.Equal(expected, Enumerable.Range(0, 2).Select(_ => resumed.TrainStep()).ToArray());
        Assert.All(expected, e => Assert.True(e.Distillation > 0));
        // The average (what the run ships) carried on too.
        var straightEma = straight.EmaGenerator.state_dict();
        Assert.All(resumed.EmaGenerator.state_dict(), p => Assert.True(TensorAssert.Same(straightEma[p.Key], p.Value), p.Key));
        // The loss log's row for steps 1-3 averages the same losses (the two steps before the save were restored).
        static string Row(string csv) => string.Join(",", File.ReadLines(csv).First(l => l.StartsWith("3,", StringComparison.Ordinal)).Split(',').Take(6));
        Assert.Equal(Row(dir.File("straight/loss.csv")), Row(dir.File("killed/loss.csv")));
    }
}
