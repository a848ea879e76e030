using InstantViews.GenWarp;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

[Collection("global-rng")]
public class GenWarpTrainerTests
{
    public GenWarpTrainerTests() => TestTorch.Init();

    // The loss on fixed pairs with fixed noise: comparable before and after training.
    static double FixedLoss(INovelViewModel model, NovelViewBatch batch)
    {
        using var noGrad = no_grad();
        return model.TrainingLoss(batch, new Generator(11)).mean().item<float>();
    }

    [Fact]
    public void A_few_steps_lower_the_loss()
    {
        using var dir = new TempDir();
        using var t = GenWarpTrainer.Create("genwarp", TinyGenWarp.Config, TinyGenWarp.Settings with { Train = TinyGenWarp.Settings.Train with { BatchSize = 4 } }, dir.Path);
        using var pairs = new ScenePairs(new SceneStreamConfig(16, 16, 1, SceneSplit.Train, 3, MinCovisibility: 0.2, MaxCovisibility: 0.95));
        var batch = pairs.Batch(pairs.Render(0, 8));
        var model = (INovelViewModel)t.Model;
        var before = FixedLoss(model, batch);
        for (int i = 0; i < 25; i++) t.TrainStep();
        var after = FixedLoss(model, batch);
        Assert.True(after < before, $"loss {before} -> {after}");
    }

    [Fact]
    public void Resume_continues_exactly()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        using var straight = GenWarpTrainer.Create("genwarp", TinyGenWarp.Config, TinyGenWarp.Settings, a.Path);
        for (int i = 0; i < 3; i++) straight.TrainStep();
        var expected = Enumerable.Range(0, 2).Select(_ => straight.TrainStep()).ToArray();

        using (var first = GenWarpTrainer.Create("genwarp", TinyGenWarp.Config, TinyGenWarp.Settings, b.Path))
        {
            for (int i = 0; i < 3; i++) first.TrainStep();
            first.SaveCheckpoint();
        }
        using var resumed = GenWarpTrainer.Resume(b.Path);
        Assert.Equal(3, resumed.Step);
        var actual = Enumerable.Range(0, 2).Select(_ => resumed.TrainStep()).ToArray();
        Assert.Equal(expected, actual);
        var sa = straight.Model.state_dict();
        foreach (var (name, p) in resumed.Model.state_dict()) Assert.True(TensorAssert.Same(sa[name], p), name);
    }

    [Fact]
    public void Baseline_trains_with_the_same_machinery_and_writes_a_sample_grid()
    {
        using var dir = new TempDir();
        using (var t = GenWarpTrainer.Create("warp-inpaint", TinyGenWarp.BaselineConfig, TinyGenWarp.Settings, dir.Path))
        {
            t.Run(maxSteps: 2, minutes: null);
            Assert.True(File.Exists(dir.File("samples-0000002.png")));
        }
        var (model, header) = Checkpoint.Load<WarpInpaintModel>(dir.File("model.safetensors"));
        Assert.Equal(2, header.Step);
        Assert.Equal(7, model.Cfg.Net.InChannels);
    }
}
