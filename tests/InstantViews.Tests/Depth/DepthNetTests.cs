using InstantViews.Depth;
using InstantViews.Runtime;

namespace InstantViews.Tests.Depth;

public class DepthNetTests
{
    public DepthNetTests() => TestTorch.Init();

    [Fact]
    public void Shipped_model_beats_a_constant_depth_by_a_wide_margin()
    {
        var path = BuiltinDepth.FindShipped();
        if (path is null) return; // Only before the first model is shipped; the repository carries models/depth.safetensors.
        var est = BuiltinDepth.Load(path);
        var (model, constant, _) = DepthEvaluation.Run(est, count: 12, size: 64, seed: 0, spp: 1);
        Assert.True(model.AbsRel < 0.7 * constant.AbsRel, $"AbsRel {model.AbsRel:0.000} vs constant {constant.AbsRel:0.000}");
        Assert.True(model.Delta1 > constant.Delta1 + 0.2, $"delta1 {model.Delta1:0.000} vs constant {constant.Delta1:0.000}");
    }

    [Fact]
    public void Trainer_checkpoints_and_resumes_and_the_model_predicts_any_size()
    {
        using var dir = new TempDir();
        var net = new DepthNetConfig { Resolution = 16, Channels = 8, ChannelMult = [1, 2] };
        var train = new DepthTrainConfig { BatchSize = 2, Spp = 1, CheckpointEvery = 2, LogEvery = 1, WarmupSteps = 1 };
        using (var t = DepthTrainer.Create(net, train, dir.Path))
        {
            t.Run(3, null);
            Assert.Equal(3, t.Step);
        }
        Assert.Throws<UserError>(() => DepthTrainer.Create(net, train, dir.Path));
        using (var t = DepthTrainer.Resume(dir.Path))
        {
            Assert.Equal(3, t.Step);
            t.Run(4, null);
            Assert.Equal(4, t.Step);
        }
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir.Path, "loss.csv")).Length);
        var est = BuiltinDepth.Load(Path.Combine(dir.Path, "model.safetensors"));
        var depth = est.Estimate(TorchSharp.torch.rand(3, 21, 30) * 2 - 1);
        Assert.Equal([21L, 30], depth.shape);
        Assert.True(depth.gt(0).all().item<bool>());
    }
}
