using InstantViews.Depth;
using InstantViews.Metrics;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

/// <summary>The depth ResNet and its trainer; the trainer seeds the global generator before building its model, so the class runs with the global-RNG tests.</summary>
[Collection("global-rng")]
public class DepthResNetTests
{
    public DepthResNetTests() => TestTorch.Init();

    [Fact]
    public void Encoder_from_ImageNet_computes_the_imported_network()
    {
        // With a mean image that is constant per channel, the per-channel input offset is exact, so the trainable
        // encoder (symmetric padding, inputs multiples of 32) must give the imported network's stage outputs.
        var real = ResNet18Weights.Load();
        var mean = tensor(new float[] { 104f, 117f, 123f }).view(1, 3, 1, 1).expand(1, 3, 224, 224).contiguous();
        var w = real with { MeanImageBgr = mean };
        using var reference = new ResNet18Features(w);
        using var encoder = new ResNetEncoder([2, 2, 2, 3]);
        encoder.LoadImageNet(w);
        encoder.eval();
        using var noGrad = no_grad();
        var x = rand(2, 3, 64, 96) * 2 - 1;
        var want = reference.forward(x).Stages;
        var got = encoder.forward(x);
        for (int s = 0; s < 5; s++)
        {
            Assert.Equal(want[s].shape, got[s].shape);
            var err = (want[s] - got[s]).abs().max().item<float>() / (want[s].abs().max().item<float>() + 1e-6f);
            Assert.True(err < 1e-4, $"stage {s}: relative error {err}");
        }
    }

    [Fact]
    public void Encoder_with_fewer_blocks_takes_the_first_ones_and_refuses_more()
    {
        var w = ResNet18Weights.Load();
        using var small = new ResNetEncoder([1, 1, 1, 1]);
        small.LoadImageNet(w);
        var blockConv = small.named_parameters().First(p => p.name == "blocks.1.conv1.weight").parameter;
        // Stage 2's first block: after the stem (0), stage 1's two blocks (1-4), its shortcut (5), conv1 is 6.
        Assert.True(TensorAssert.Same(blockConv, w.Convs[6].Weight));
        using var big = new ResNetEncoder([2, 2, 2, 4]);
        Assert.Throws<UserError>(() => big.LoadImageNet(w));
    }

    [Fact]
    public void Network_predicts_half_size_log_depth_and_metric_depth_at_any_photo_size()
    {
        using var net = new DepthResNet(new DepthResNetConfig { InputLongSide = 64, BlocksPerStage = [1, 1, 1, 1] });
        using var noGrad = no_grad();
        var log = net.forward(rand(1, 3, 64, 96));
        Assert.Equal([1L, 32, 48], log.shape);
        // The zero-initialised head starts at exp(offset) metres everywhere.
        Assert.True((log - 1.0).abs().max().item<float>() < 1e-6);
        Assert.Equal((32, 64), net.InputSize(333, 700));
        var depth = net.Predict(rand(3, 37, 53) * 2 - 1);
        Assert.Equal([37L, 53], depth.shape);
        Assert.True((depth - Math.E).abs().max().item<float>() < 1e-4);
        Assert.Throws<ArgumentException>(() => net.forward(rand(1, 3, 40, 64)));
    }

    [Fact]
    public void Relative_loss_is_zero_for_any_scale_and_shift_of_the_true_inverse_depth()
    {
        var gt = rand(2, 24, 32) * 5 + 0.5;
        // Inverse depth p = a / gt + c with a, c > 0 is an affine map of the truth's: SSI and gradient terms vanish.
        var p = 3.0 / gt + 0.2;
        var predLog = p.reciprocal().log();
        var terms = RelativeDepthLoss.Compute(predLog, gt, new RelativeDepthLoss.Weights());
        Assert.True(terms.Ssi.item<float>() < 1e-4, $"ssi {terms.Ssi.item<float>()}");
        Assert.True(terms.Gradient.item<float>() < 1e-4, $"gradient {terms.Gradient.item<float>()}");
        // The metric term is not invariant: exact log depth gives 0, a wrong scale does not.
        var exact = RelativeDepthLoss.Compute(gt.log(), gt, new RelativeDepthLoss.Weights());
        Assert.True(exact.Total.item<float>() < 1e-5);
        Assert.True(terms.Metric.item<float>() > 0.1);
    }

    [Fact]
    public void Relative_loss_skips_unknown_depth_and_sees_a_wrong_shape()
    {
        var gt = ones(1, 16, 16) * 2;
        gt[0, .., 8..] = tensor(4.0);
        var flat = zeros(1, 16, 16);
        var wrong = RelativeDepthLoss.Compute(flat + 1, gt, new RelativeDepthLoss.Weights(Metric: 0));
        Assert.True(wrong.Ssi.item<float>() > 0.5, $"a flat prediction of a step must cost, got {wrong.Ssi.item<float>()}");
        // Unknown pixels (0 and inf) are left out: the same truth with holes and a prediction that is right elsewhere costs nothing.
        var holes = gt.clone();
        holes[0, 0, 0] = tensor(0.0);
        holes[0, 1, 1] = tensor(float.PositiveInfinity);
        var right = gt.log();
        right[0, 0, 0] = tensor(9.0);
        var t = RelativeDepthLoss.Compute(right, holes, new RelativeDepthLoss.Weights());
        Assert.True(t.Total.item<float>() < 1e-4, $"total {t.Total.item<float>()}");
    }

    [Fact]
    public void Encoder_learning_rate_is_zero_while_frozen_then_ramps_to_its_scale()
    {
        var c = new DepthTrainConfig { EncoderFrozenSteps = 10, WarmupSteps = 4, EncoderRateScale = 0.1 };
        Assert.Equal(1, c.RateScale("reduce.0.weight", 0));
        Assert.Equal(0, c.RateScale("encoder.stem.weight", 9));
        Assert.Equal(0.025, c.RateScale("encoder.stem.weight", 10), 12);
        Assert.Equal(0.1, c.RateScale("encoder.stem.weight", 13), 12);
        Assert.Equal(0.1, c.RateScale("encoder.stem.weight", 500), 12);
    }

    [Fact]
    public void Trainer_resumes_exactly_through_the_unfreezing()
    {
        using var straight = new TempDir();
        using var resumed = new TempDir();
        var net = new DepthResNetConfig { InputLongSide = 64, BlocksPerStage = [1, 1, 1, 1], DecoderChannels = [8, 8, 8, 8] };
        var train = new DepthTrainConfig { BatchSize = 2, Spp = 1, Width = 64, Height = 32, EncoderFrozenSteps = 2, WarmupSteps = 1, CheckpointEvery = 100, LogEvery = 1 };
        using (var t = DepthTrainer.Create(net, train, straight.Path)) t.Run(4, null);
        using (var t = DepthTrainer.Create(net, train, resumed.Path)) t.Run(2, null);
        using (var t = DepthTrainer.Resume(resumed.Path)) t.Run(4, null);
        var x = Checkpoint.ReadAll(Path.Combine(straight.Path, "checkpoint.safetensors")).Tensors.ToDictionary(p => p.Key, p => p.Value);
        var y = Checkpoint.ReadAll(Path.Combine(resumed.Path, "checkpoint.safetensors")).Tensors.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(x.Keys.Order(), y.Keys.Order());
        foreach (var (k, v) in x) Assert.True(TensorAssert.Same(v, y[k]), $"{k} differs after resume");
        // The encoder moved only after the frozen steps: it differs from the import.
        var stem = x["encoder.stem.weight"];
        var imported = ResNet18Weights.Load().Convs[0].Weight.flip(1).mul(127.5);
        Assert.False(TensorAssert.Same(stem, imported));
        Assert.Equal(File.ReadAllText(Path.Combine(straight.Path, "loss.csv")).Split('\n').Select(l => string.Join(",", l.Split(',').Take(3))),
            File.ReadAllText(Path.Combine(resumed.Path, "loss.csv")).Split('\n').Select(l => string.Join(",", l.Split(',').Take(3))));
    }

    [Fact]
    public void With_a_canonical_camera_depth_scales_with_the_focal_length()
    {
        using var net = new DepthResNet(new DepthResNetConfig { InputLongSide = 64, BlocksPerStage = [1, 1, 1, 1], CanonicalFocal = 0.866 });
        var rgb = rand(3, 40, 60) * 2 - 1;
        var canonical = net.Predict(rgb);
        // Twice the focal length (a narrower lens): the same picture is twice as far.
        Assert.True((net.Predict(rgb, 1.732) - canonical * 2).abs().max().item<float>() < 1e-4);
        Assert.True((net.Predict(rgb, 0.866) - canonical).abs().max().item<float>() < 1e-5);
        // The built-in estimator passes the photo's camera: fx / width.
        var estimator = new BuiltinDepth(net);
        var camera = InstantViews.Geometry.Camera.FromFov(60, 40, 30);
        Assert.True((estimator.Estimate(rgb, camera) - canonical * (camera.Fx / 60 / 0.866)).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void An_inverse_depth_that_orders_the_scene_backwards_does_not_fit()
    {
        var gt = rand(2, 16, 16) * 4 + 1;
        var right = RelativeDepthLoss.Compute(gt.log(), gt, new RelativeDepthLoss.Weights(Gradient: 0, Metric: 0));
        // Predicted inverse depth 1.5 - the truth's: perfectly (negatively) correlated, which a free scale would fit exactly.
        var wrong = RelativeDepthLoss.Compute(((1.5 - gt.reciprocal()).reciprocal()).log(), gt, new RelativeDepthLoss.Weights(Gradient: 0, Metric: 0));
        Assert.True(right.Ssi.item<float>() < 1e-4);
        Assert.True(wrong.Ssi.item<float>() > 0.5, $"backwards ordering cost {wrong.Ssi.item<float>()}");
    }

    [Fact]
    public void A_flat_prediction_costs_a_finite_loss_with_finite_gradients()
    {
        // A fresh network predicts the same depth everywhere: the alignment must not divide by its zero variance.
        var flat = ones(2, 16, 16).requires_grad_(true);
        var gt = rand(2, 16, 16) * 4 + 1;
        var terms = RelativeDepthLoss.Compute(flat, gt, new RelativeDepthLoss.Weights());
        Assert.True(float.IsFinite(terms.Total.item<float>()) && terms.Total.item<float>() < 10, $"loss {terms.Total.item<float>()}");
        terms.Total.backward();
        Assert.True(flat.grad!.isfinite().all().item<bool>());
    }
}
