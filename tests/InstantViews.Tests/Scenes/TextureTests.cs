using InstantViews.Geometry;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class TextureTests
{
    [Fact]
    public void Changing_the_angle_with_a_copy_rotates_the_pattern()
    {
        var a = new Texture(TextureKind.Stripes, new Vec3(1, 0, 0), new Vec3(0, 0, 1), Vec3.Zero, 2, 0, 1);
        var b = a with { Angle = 1.0 };
        var c = new Texture(TextureKind.Stripes, new Vec3(1, 0, 0), new Vec3(0, 0, 1), Vec3.Zero, 2, 1.0, 1);
        for (double u = 0; u < 2; u += 0.13)
            Assert.Equal(c.Sample(u, 0.37), b.Sample(u, 0.37));
    }

    [Fact]
    public void Every_kind_gives_colours_between_its_inputs()
    {
        foreach (var kind in Enum.GetValues<TextureKind>())
        {
            var t = new Texture(kind, new Vec3(0.2, 0.4, 0.6), new Vec3(0.8, 0.1, 0.3), new Vec3(0.5, 0.5, 0.5), 3, 0.3, 7);
            for (double u = -1; u < 1; u += 0.21)
            {
                var s = t.Sample(u, 0.5 * u + 0.1);
                Assert.InRange(s.X, 0.2, 0.8);
                Assert.InRange(s.Y, 0.1, 0.5);
            }
        }
    }
}
