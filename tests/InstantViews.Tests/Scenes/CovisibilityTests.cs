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

    [Fact]
    public void Pair_sampler_hits_the_requested_range()
    {
        var scene = SceneGenerator.Generate(12);
        var pair = PairSampler.SamplePoses(scene, Camera.FromFov(48, 48, 65), new SceneRandom(12, 3), 0.5, 0.8);
        Assert.NotNull(pair);
        Assert.InRange(pair.Value.Covisibility, 0.5, 0.8);
    }
}
