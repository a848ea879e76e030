using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class SceneStreamTests
{
    [Fact]
    public void NextBatch_gives_fresh_views_in_range_and_replays_exactly()
    {
        TestTorch.Init();
        var config = new SceneStreamConfig(Width: 24, Height: 16, Spp: 1, Prefetch: 4);
        using var a = new SceneStream(config);
        using var b = new SceneStream(config);
        using var x = a.NextBatch(5);
        using var y = b.NextBatch(5);
        Assert.Equal([5L, 3, 16, 24], x.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, x.dtype);
        Assert.True(x.min().item<float>() >= -1 && x.max().item<float>() <= 1);
        Assert.True(TensorAssert.Same(x, y));
        using var z = a.NextBatch(5);
        Assert.False(TensorAssert.Same(x, z));
    }

    [Fact]
    public void Pairs_carry_rgb_depth_and_cameras_within_the_covisibility_range()
    {
        TestTorch.Init();
        using var stream = new SceneStream(new SceneStreamConfig(Width: 32, Height: 24, Spp: 1, Split: SceneSplit.Eval, MinCovisibility: 0.5, MaxCovisibility: 0.8, Prefetch: 2));
        var pair = stream.NextPair();
        Assert.True(pair.Source.Camera.Width == 32 && pair.Target.Camera.Height == 24);
        Assert.NotEqual(pair.SourceCamera, pair.TargetCamera);
        using var rgb = pair.TargetRgb();
        using var depth = pair.SourceDepth();
        Assert.Equal([3L, 24, 32], rgb.shape);
        Assert.Equal([24L, 32], depth.shape);
        // Covisibility was aimed at on a 32-px probe; at full size it stays close to the range.
        Assert.InRange(pair.Covisibility, 0.4, 0.9);
    }

    [Fact]
    public void Train_and_eval_seeds_do_not_overlap()
    {
        for (long k = 0; k < 1000; k++)
        {
            Assert.InRange(SceneStream.SceneSeed(SceneSplit.Train, 3, k), 0, SceneStream.EvalSeedStart - 1);
            // Test, validation and preview seeds: their own million each, whatever the stream seed below a million.
            Assert.Equal(1_000_000 + 5 + k, SceneStream.SceneSeed(SceneSplit.Eval, 5, k));
            Assert.Equal(2_000_000 + 5 + k, SceneStream.SceneSeed(SceneSplit.Validation, 5, k));
            Assert.Equal(3_000_000 + 5 + k, SceneStream.SceneSeed(SceneSplit.Preview, 5, k));
        }
    }
}
