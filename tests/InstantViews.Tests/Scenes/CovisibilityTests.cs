using InstantViews.Geometry;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class CovisibilityTests
{
    [Fact]
    public void Covisibility_with_itself_is_one_and_falls_as_the_camera_moves()
    {
        var scene = SceneGenerator.Generate(11);
        var cam = CameraPaths.RandomPose(scene, Camera.FromFov(48, 36, 65), new SceneRandom(11, 1));
        var depth = Renderer.RenderDepth(scene, cam);
        Assert.Equal(1.0, Covisibility.Compute(cam, depth, cam, depth));
        var f = cam.Forward;
        double yaw = Math.Atan2(f.X, f.Z), pitch = Math.Asin(f.Y), last = 1.0;
        foreach (var turn in new[] { 0.15, 0.4, 0.8 })
        {
            var moved = cam.WithPose(CameraPaths.Pose(cam.Position, yaw + turn, pitch));
            var c = Covisibility.Compute(cam, depth, moved, Renderer.RenderDepth(scene, moved));
            Assert.True(c < last, $"turn {turn}: covisibility {c} not below {last}");
            last = c;
        }
        Assert.True(last < 0.6);
    }

    [Theory]
    [InlineData(0.5, 0.8)]
    [InlineData(0.2, 0.5)]
    public void Pair_sampler_hits_the_requested_range(double min, double max)
    {
        var found = 0;
        for (long seed = 20; seed < 25; seed++)
        {
            var scene = SceneGenerator.Generate(seed);
            var pair = PairSampler.SamplePoses(scene, Camera.FromFov(48, 48, 65), new SceneRandom(seed, 3), min, max);
            if (pair is null) continue;
            Assert.InRange(pair.Value.Covisibility, min, max);
            found++;
        }
        Assert.True(found >= 4, $"only {found} of 5 scenes gave a pair in [{min}, {max}]");
    }
}
