using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.NovelViews;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class GenWarpMemoryTests
{
    public GenWarpMemoryTests() => TestTorch.Init();

    static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Training_steps_keep_the_live_tensor_count_flat()
    {
        using var dir = new TempDir();
        using var t = GenWarpTrainer.Create("genwarp", TinyGenWarp.Config, TinyGenWarp.Settings, dir.Path);
        for (int i = 0; i < 3; i++) t.TrainStep();
        var before = Live;
        for (int i = 0; i < 15; i++) t.TrainStep();
        Assert.True(Live - before <= 2, $"live tensors grew from {before} to {Live}");
    }

    [Fact]
    public void Repeated_generation_keeps_the_live_tensor_count_flat()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        model.eval();
        var pipeline = new NovelViewPipeline(new SampledViews(model, new NovelViewSampling(Steps: 2, SigmaMax: 10)));
        var cam = Camera.FromFov(16, 16, 60);
        var tgt = cam.WithPose(new RigidTransform(Mat3.RotationY(0.2), new Vec3(0.1, 0, 0)));
        using var rgb = rand(3, 16, 16) * 2 - 1;
        using var depth = rand(16, 16) + 1;
        void Once()
        {
            using var scope = NewDisposeScope();
            pipeline.Generate(rgb, depth, cam, tgt, seed: 1, maxStepDegrees: 5);
        }
        for (int i = 0; i < 2; i++) Once();
        var before = Live;
        for (int i = 0; i < 10; i++) Once();
        Assert.True(Live - before <= 2, $"live tensors grew from {before} to {Live}");
    }

    [Fact]
    public void Intermediate_cameras_keep_the_live_tensor_count_flat_across_steps()
    {
        // nvs --max-step: one call walks many intermediate cameras; each step's tensors go with the step.
        var model = new GenWarpModel(TinyGenWarp.Config);
        model.eval();
        var pipeline = new NovelViewPipeline(new SampledViews(model, new NovelViewSampling(Steps: 2, SigmaMax: 10)));
        var cam = Camera.FromFov(16, 16, 60);
        var tgt = cam.WithPose(new RigidTransform(Mat3.RotationY(0.3), new Vec3(0.1, 0, 0)));
        using var rgb = rand(3, 16, 16) * 2 - 1;
        using var depth = rand(16, 16) + 1;
        var live = new List<long>();
        using var scope = NewDisposeScope();
        var r = pipeline.Generate(rgb, depth, cam, tgt, seed: 1, maxStepDegrees: 1, estimateDepth: (view, _) =>
        {
            live.Add(Live);
            return full(view.shape[1], view.shape[2], 2f);
        });
        Assert.Equal(18, r.Steps);
        Assert.Equal(17, live.Count);
        Assert.True(live[^1] - live[1] <= 2, $"live tensors grew from {live[1]} at step 2 to {live[^1]} at step {live.Count}");
    }
}
