using InstantViews.Geometry;
using InstantViews.NovelViews;

namespace InstantViews.Tests.NovelViews;

public class PoseInterpolationTests
{
    static Camera Source => Camera.FromFov(32, 24, 60).LookAt(new Vec3(0, 0, 0), new Vec3(0, 0, 3));
    static Camera Target => Camera.FromFov(32, 24, 60).LookAt(new Vec3(1, 0, 0.5), new Vec3(0, 0, 3));

    [Fact]
    public void Interpolation_hits_both_ends_and_halves_the_angle()
    {
        var total = PoseInterpolation.AngleDegrees(Source, Target);
        Assert.True(total > 10);
        Assert.True(PoseInterpolation.AngleDegrees(PoseInterpolation.Interpolate(Source, Target, 0), Source) < 1e-6);
        Assert.True(PoseInterpolation.AngleDegrees(PoseInterpolation.Interpolate(Source, Target, 1), Target) < 1e-6);
        var mid = PoseInterpolation.Interpolate(Source, Target, 0.5);
        Assert.Equal(total / 2, PoseInterpolation.AngleDegrees(Source, mid), 6);
        Assert.True((mid.Position - (Source.Position + Target.Position) * 0.5).Length < 1e-9);
    }

    [Fact]
    public void Steps_respect_the_largest_rotation_and_end_at_the_target()
    {
        var total = PoseInterpolation.AngleDegrees(Source, Target);
        var steps = PoseInterpolation.Steps(Source, Target, total / 3.5);
        Assert.Equal(4, steps.Count);
        Assert.Equal(Target, steps[^1]);
        var previous = Source;
        foreach (var s in steps)
        {
            Assert.True(PoseInterpolation.AngleDegrees(previous, s) <= total / 3.5 + 1e-9);
            previous = s;
        }
        Assert.Single(PoseInterpolation.Steps(Source, Target, 0));
    }
}
