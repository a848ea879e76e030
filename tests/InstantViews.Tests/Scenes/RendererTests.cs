using InstantViews.Geometry;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class RendererTests
{
    static readonly Camera Intrinsics = Camera.FromFov(64, 64, 65);

    static (Scene Scene, Camera Camera) Setup(long seed)
    {
        var scene = SceneGenerator.Generate(seed);
        return (scene, CameraPaths.RandomPose(scene, Intrinsics, new SceneRandom(seed, 9)));
    }

    [Fact]
    public void Same_seed_and_settings_give_identical_bytes()
    {
        var (scene, cam) = Setup(7);
        var a = Renderer.Render(scene, cam, spp: 4, parallel: true);
        var (scene2, cam2) = Setup(7);
        var b = Renderer.Render(scene2, cam2, spp: 4, parallel: false);
        Assert.Equal(cam, cam2);
        Assert.Equal(a.RgbBytes(), b.RgbBytes());
        Assert.Equal(a.Rgb, b.Rgb);
        Assert.Equal(a.Depth, b.Depth);
        var other = Renderer.Render(SceneGenerator.Generate(8), cam, spp: 4);
        Assert.NotEqual(a.RgbBytes(), other.RgbBytes());
    }

    [Fact]
    public void Depth_is_positive_and_finite_everywhere()
    {
        for (long seed = 0; seed < 4; seed++)
        {
            var (scene, cam) = Setup(seed);
            var view = Renderer.Render(scene, cam.Scaled(48, 32), spp: 1);
            Assert.All(view.Depth, d => Assert.True(d > 0 && float.IsFinite(d), $"depth {d}"));
            Assert.All(view.Rgb, c => Assert.InRange(c, 0f, 1f));
        }
    }

    [Fact]
    public void Ground_truth_reprojection_agrees_where_depth_agrees()
    {
        // Unproject B with its depth, project into A, sample A bilinearly; where A's depth agrees the colours must too.
        double sum = 0;
        long count = 0;
        for (long seed = 0; seed < 3; seed++)
        {
            var (scene, a) = Setup(seed);
            var f = a.Forward;
            var yaw = Math.Atan2(f.X, f.Z);
            var b = a.WithPose(CameraPaths.Pose(a.Position + new Vec3(Math.Cos(yaw), 0, -Math.Sin(yaw)) * 0.15, yaw + 0.1, Math.Asin(f.Y)));
            var va = Renderer.Render(scene, a, spp: 16);
            var vb = Renderer.Render(scene, b, spp: 16);
            var world = b.UnprojectDepth(vb.Depth);
            for (int i = 0; i < world.Length; i++)
            {
                var (u, v, z) = a.Project(world[i]);
                double x = u - 0.5, y = v - 0.5;
                int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
                if (z <= 0 || x0 < 0 || y0 < 0 || x0 + 1 >= 64 || y0 + 1 >= 64) continue;
                double fx = x - x0, fy = y - y0;
                // Depth agrees: A's interpolated depth matches, and the four neighbours span no depth edge.
                double d00 = va.Depth[y0 * 64 + x0], d10 = va.Depth[y0 * 64 + x0 + 1], d01 = va.Depth[(y0 + 1) * 64 + x0], d11 = va.Depth[(y0 + 1) * 64 + x0 + 1];
                var dz = (1 - fy) * ((1 - fx) * d00 + fx * d10) + fy * ((1 - fx) * d01 + fx * d11);
                var span = Math.Max(Math.Max(d00, d10), Math.Max(d01, d11)) - Math.Min(Math.Min(d00, d10), Math.Min(d01, d11));
                if (Math.Abs(dz - z) > 0.01 * z || span > 0.1 * z) continue;
                for (int c = 0; c < 3; c++)
                {
                    double At(int xx, int yy) => va.Rgb[3 * (yy * 64 + xx) + c];
                    var s = (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
                    var e = s - vb.Rgb[3 * i + c];
                    sum += e * e;
                }
                count++;
            }
        }
        var psnr = 10 * Math.Log10(1 / (sum / (3 * count)));
        Console.WriteLine($"reprojection: {count} pixels, PSNR {psnr:0.0} dB");
        Assert.True(count > 3 * 64 * 64 / 3, $"only {count} pixels agree in depth");
        Assert.True(psnr > 30, $"reprojection PSNR {psnr:0.0} dB");
    }

    [Fact]
    public void Walkthrough_stays_in_free_space_and_moves()
    {
        var scene = SceneGenerator.Generate(3);
        var path = CameraPaths.Walkthrough(scene, Intrinsics, 60, new SceneRandom(3, 2));
        for (int i = 0; i < path.Length; i++)
        {
            Assert.True(scene.IsFree(path[i].Position, CameraPaths.Clearance - 1e-9), $"frame {i} at {path[i].Position}");
            if (i > 0) Assert.True(scene.IsFreePath(path[i - 1].Position, path[i].Position, CameraPaths.Clearance - 1e-9));
        }
        Assert.True((path[^1].Position - path[0].Position).Length > 0.1 || Vec3.Dot(path[^1].Forward, path[0].Forward) < 0.99);
    }
}
