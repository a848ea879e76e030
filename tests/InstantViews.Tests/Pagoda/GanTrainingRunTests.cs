using InstantViews.Metrics;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Tests.Pagoda;

/// <summary>
/// The shared PaGoDA step on a toy generator whose losses are written out: a weight vector W, reconstruction (W - a)²,
/// distillation (W - c)², fakes tanh(P W) shaped as images, W as the last layer. One step can then be replayed by hand.
/// </summary>
[Collection("global-rng")]
public class GanTrainingRunTests
{
    public GanTrainingRunTests() => TestTorch.Init();

    const int Size = 16;

    sealed class Weights : nn.Module<Tensor, Tensor>
    {
        public Parameter W;
        public Weights(Tensor w) : base("weights")
        {
            W = new Parameter(w.clone());
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => x * W;
    }

    sealed class ToyRun : GanTrainingRun
    {
        public readonly Weights Live;
        public Tensor A = zeros(Size), C = zeros(Size), P = zeros(2 * 3 * 16 * 16, Size), Real = zeros(2, 3, 16, 16);
        public Tensor? Condition, Distillation, Holes;

        ToyRun(Weights live, Weights ema, ProjectedDiscriminator d, double adversarial, double distillation, bool augment, string dir, int logEvery, int batch)
            : base(live, ema, [("W", live.W)], d, 0.01, 0.01, adversarial, 0.999, 0, dir, new RunSchedule(batch, logEvery, 1000, 0))
        {
            Live = live;
            DistillationWeight = distillation;
            AugmentDiscriminator = augment;
            Begin(new { toy = true });
        }

        /// <summary>A toy run; <paramref name="batch"/> only sets the images a step counts as (two fakes are drawn either way).</summary>
        public static ToyRun Create(ResNet18Features features, string dir, double adversarial = 1, double distillation = 0, bool augment = false, int logEvery = 10, int batch = 2)
        {
            var g = new Generator(3);
            var w = randn(new long[] { Size }, generator: g);
            random.manual_seed(4);
            var run = new ToyRun(new Weights(w), new Weights(w), new ProjectedDiscriminator(features, 32, headChannels: 4), adversarial, distillation, augment, dir, logEvery, batch)
            {
                A = randn(new long[] { Size }, generator: g),
                C = randn(new long[] { Size }, generator: g) * 3,
                P = randn(new long[] { 2 * 3 * 16 * 16, Size }, generator: g) * 0.3,
                Real = rand(new long[] { 2, 3, 16, 16 }, generator: g) * 2 - 1,
            };
            return run;
        }

        public Tensor Fake(Tensor w) => matmul(P, w).tanh().view(2, 3, 16, 16);

        protected override GanBatch Forward()
        {
            var w = Live.W;
            var distillation = Distillation ?? (w - C).square();
            return new GanBatch((w - A).square(), zeros(1), Fake(w), Real, w, Condition, distillation, Holes);
        }

        protected override string ProgressName => "toy";

        /// <summary>One step as the training loop runs it, returning its progress line.</summary>
        public string Advance() => AdvanceOneStep();
    }

    [Theory]
    [InlineData(1.0, 3.0)]
    [InlineData(0.7, 0.0)]
    [InlineData(0.0, 3.0)]
    public void One_step_moves_the_generator_by_adam_against_the_gradient_of_its_whole_loss(double adversarial, double distillation)
    {
        // L = L_rec + w_d L_distil + w lambda L_G with lambda = AdaptiveWeight(L_rec + w_d L_distil, L_G) (0 when w = 0), all
        // under the discriminator before its step. Adam's first step with beta1 = 0 moves each weight by lr g / (|g| + eps).
        using var dir = new TempDir();
        using var features = new ResNet18Features();
        var run = ToyRun.Create(features, dir.File("run"), adversarial, distillation);
        var before = new ProjectedDiscriminator(features, 32, headChannels: 4);
        before.load_state_dict(run.Discriminator.state_dict());
        foreach (var p in before.parameters()) p.requires_grad = false;
        var w0 = run.Live.W.detach().clone().requires_grad_(true);
        var match = (w0 - run.A).square().mean() + distillation * (w0 - run.C).square().mean();
        var adv = -before.Logits(run.Fake(w0), null).mean();
        var lambda = adversarial > 0 ? GanLosses.AdaptiveWeight(match, adv, w0) : 0;
        var grad = torch.autograd.grad([match + adversarial * lambda * adv], [w0])[0];
        var expected = (w0 - 0.01 * grad / (grad.abs() + 1e-8)).detach();

        var step = run.TrainStep();
        Assert.True((run.Live.W - expected).abs().max().item<float>() < 1e-6, $"moved to {run.Live.W.detach().str()}, expected {expected.str()}");
        Assert.Equal(lambda, step.Lambda, 5);
        Assert.Equal(-before.Logits(run.Fake(w0), null).mean().item<float>(), step.Adversarial, 5);
        Assert.Equal((w0 - run.C).square().mean().item<float>(), step.Distillation, 5);
        // The release's optimisers: Adam with beta1 = 0 and beta2 = 0.99 for both, saved under their own names.
        var (g, d) = run.Optimisers;
        Assert.Equal((0.0, 0.99, "adam_g"), (g.Beta1, g.Beta2, g.Prefix));
        Assert.Equal((0.0, 0.99, "adam_d"), (d.Beta1, d.Beta2, d.Prefix));
    }

    [Fact]
    public void The_log_holds_the_mean_losses_of_each_log_interval()
    {
        using var dir = new TempDir();
        using var features = new ResNet18Features();
        var run = ToyRun.Create(features, dir.File("run"), distillation: 1, logEvery: 2);
        var steps = Enumerable.Range(0, 5).Select(_ => run.TrainStep()).ToArray();
        var lines = File.ReadAllLines(dir.File("run/loss.csv"));
        Assert.Equal("step,reconstruction,distillation,adversarial_g,lambda,discriminator,images_per_s,elapsed_s", lines[0]);
        Assert.Equal(3, lines.Length); // steps 2 and 4; step 5 waits for its interval
        for (int row = 0; row < 2; row++)
        {
            var values = lines[row + 1].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(2 * (row + 1), values[0]);
            var pair = steps[(2 * row)..(2 * row + 2)];
            double[] mean = [pair.Average(s => s.Reconstruction), pair.Average(s => s.Distillation), pair.Average(s => s.Adversarial), pair.Average(s => s.Lambda), pair.Average(s => s.Discriminator)];
            for (int i = 0; i < 5; i++) Assert.Equal(mean[i], values[i + 1], 4);
        }
    }

    [Theory]
    [InlineData("reconstruction")]
    [InlineData("distillation")]
    [InlineData("discriminator")]
    public void A_step_with_any_non_finite_loss_stops_the_run_with_one_line(string which)
    {
        using var dir = new TempDir();
        using var features = new ResNet18Features();
        var run = ToyRun.Create(features, dir.File("run"));
        if (which == "reconstruction") run.A = full(Size, float.NaN);
        if (which == "distillation") run.Distillation = full(Size, float.NaN);
        if (which == "discriminator") run.Real = full(2, 3, 16, 16, float.NaN);
        var e = Assert.Throws<UserError>(() => run.TrainStep());
        Assert.StartsWith("training diverged at step 1 (reconstruction ", e.Message);
        Assert.Contains($"{which} NaN", e.Message);
        // A new run with no checkpoint: nothing to resume from, and nothing written.
        Assert.EndsWith($"no checkpoint was written, so nothing of the run is left in '{dir.File("run")}': start again with a lower --lr", e.Message);
        Assert.False(Directory.Exists(dir.File("run")));
    }

    [Fact]
    public void Augmentation_is_refused_for_a_conditioned_discriminator_and_hole_masks_for_one_that_is_not_per_patch()
    {
        using var dir = new TempDir();
        using var features = new ResNet18Features();
        var run = ToyRun.Create(features, dir.File("run"), augment: true);
        run.Condition = zeros(2, 3, 16, 16);
        const string augmented = "discriminator augmentation is for unconditioned discriminators judging whole images";
        Assert.Equal(augmented, Assert.Throws<InvalidOperationException>(() => run.TrainStep()).Message);
        run.Condition = null;
        run.Holes = ones(2, 1, 16, 16);
        Assert.Equal(augmented, Assert.Throws<InvalidOperationException>(() => run.TrainStep()).Message);
        var plain = ToyRun.Create(features, dir.File("plain"));
        plain.Holes = ones(2, 1, 16, 16);
        Assert.Equal("hole masks are judged per patch: the discriminator must be a patch discriminator", Assert.Throws<InvalidOperationException>(() => plain.TrainStep()).Message);
        // Only a patch discriminator says it judges patches, and a whole-image one refuses to.
        using var projected = new ProjectedDiscriminator(features, 32);
        Assert.False(projected.JudgesPatches);
        Assert.Throws<NotSupportedException>(() => projected.PatchLogits(zeros(1, 3, 32, 32), null));
        using var patch = new PatchDiscriminator();
        Assert.True(patch.JudgesPatches);
        Assert.Equal([1L, 1, 8, 8], patch.PatchLogits(zeros(1, 3, 32, 32), null).shape);
    }

    [Theory]
    [InlineData(0.0, 2)]
    [InlineData(2.0, 2)]
    [InlineData(0.0, 1_000_000)] // counted as a million images a step: a rate over 100/s prints without decimals
    public void A_step_trains_the_generator_in_training_mode_and_reports_its_losses_on_one_line(double distillation, int batch)
    {
        using var dir = new TempDir();
        using var features = new ResNet18Features();
        var run = ToyRun.Create(features, dir.File("run"), distillation: distillation, batch: batch);
        run.Live.eval();
        var line = run.Advance();
        Assert.True(run.Live.training);
        Assert.Equal(batch > 2, run.ItemsPerSecond >= 100);
        var rate = run.ItemsPerSecond < 100 ? @"\d+\.\d" : @"\d+";
        var distil = distillation > 0 ? @", distil \d+\.\d{3}" : "";
        Assert.Matches($@"^step 1, rec \d+\.\d{{3}}{distil}, adv -?\d+\.\d{{2}}, lambda \d+\.\d{{2}}, D \d+\.\d{{2}}, {rate} images/s$", line);
    }
}
