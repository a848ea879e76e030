using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Tests.Scenes;

public class StereoPairTests
{
    public StereoPairTests() => TestTorch.Init();

    const int W = 12, H = 8;
    const double F = 20, Cx0 = 5.3, Cy = 3.7, Doffs = 2.5, BaselineMm = 100;

    static StereoCalibration Calibration(double doffs = Doffs) =>
        new(StereoCalibration.Intrinsics(F, Cx0, Cy), StereoCalibration.Intrinsics(F, Cx0 + doffs, Cy), doffs, BaselineMm, W, H);

    /// <summary>A pair made from a depth map: d = baseline * f / Z - doffs, unknown (NaN) on one column.</summary>
    static (float[] Depth, float[] Disparity) Scene()
    {
        var depth = new float[W * H];
        var disparity = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                var i = y * W + x;
                depth[i] = 0.5f + 0.1f * x + 0.05f * y;
                disparity[i] = x == 7 ? float.NaN : (float)(BaselineMm / 1000 * F / depth[i] - Doffs);
            }
        return (depth, disparity);
    }

    static string WritePair(TempDir dir, float[] disparity, string name = "pair")
    {
        StereoPair.Write(dir.File(name), rand(3, H, W) * 2 - 1, rand(3, H, W) * 2 - 1, disparity, Calibration());
        return dir.File(name);
    }

    [Fact]
    public void A_left_pixel_at_its_true_depth_lands_at_x_minus_d_in_the_right_camera()
    {
        using var dir = new TempDir();
        var (depth, disparity) = Scene();
        using var pair = StereoPair.Read(WritePair(dir, disparity));

        Assert.Equal((W, H, 0.1, Doffs), (pair.Width, pair.Height, pair.Baseline, pair.Doffs));
        Assert.Equal(Vec3.Zero, pair.LeftCamera.Position);
        Assert.Equal(0, (pair.RightCamera.Position - new Vec3(0.1, 0, 0)).Length, 12);
        Assert.Equal(new Vec3(-0.1, 0, 0), pair.RightCamera.T);
        // calib.txt puts the first pixel's centre at 0, Camera at 0.5.
        Assert.Equal((F, F, Cx0 + 0.5, Cy + 0.5), (pair.LeftCamera.Fx, pair.LeftCamera.Fy, pair.LeftCamera.Cx, pair.LeftCamera.Cy));
        Assert.Equal(Cx0 + Doffs + 0.5, pair.RightCamera.Cx);

        var z = pair.TrueDepth().data<float>().ToArray();
        // The benchmark's view of the pair: the same tensors and cameras, the same depth.
        var inputs = InstantViews.NovelViews.Evaluation.StereoInputs.Of(pair);
        inputs.Check();
        Assert.Same(pair.Left, inputs.Left);
        Assert.True(inputs.TrueDepth().allclose(pair.TrueDepth(), rtol: 1e-5, equal_nan: true));
        var d = pair.Disparity.data<float>().ToArray();
        var checkedPixels = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                var i = y * W + x;
                if (x == 7)
                {
                    Assert.True(float.IsNaN(d[i]) && float.IsNaN(z[i]));
                    continue;
                }
                Assert.Equal(BitConverter.SingleToInt32Bits(disparity[i]), BitConverter.SingleToInt32Bits(d[i]));
                Assert.Equal(depth[i], z[i], 5e-6f);
                var world = pair.LeftCamera.Unproject(x + 0.5, y + 0.5, z[i]);
                var (u, v, zr) = pair.RightCamera.Project(world);
                Assert.Equal(x + 0.5 - d[i], u, 1e-4);
                Assert.Equal(y + 0.5, v, 1e-9);
                Assert.Equal(z[i], zr, 1e-6);
                checkedPixels++;
            }
        Assert.Equal(W * H - H, checkedPixels);
    }

    [Fact]
    public void Warp_error_is_zero_when_the_right_image_is_the_left_one_shifted_by_d()
    {
        using var dir = new TempDir();
        // Integer disparity 3 everywhere (doffs 0): right(x) = left(x + 3), so left(x) = right(x - 3) wherever x >= 3.
        var left = randint(0, 256, [3, H, W]).to_type(ScalarType.Float32).div(127.5).sub(1);
        var right = left.roll(-3, 2);
        var disparity = Enumerable.Repeat(3f, W * H).ToArray();
        StereoPair.Write(dir.File("p"), left, right, disparity, Calibration(doffs: 0));
        using var pair = StereoPair.Read(dir.File("p"));
        var (error, pixels) = pair.WarpError();
        Assert.Equal((W - 3) * H, pixels);
        Assert.Equal(0, error, 1e-4);
        Assert.Equal((3f, 3f, 0.0), pair.DisparityStats());
    }

    [Fact]
    public void Write_refuses_a_folder_that_is_not_empty_and_fills_an_empty_one()
    {
        using var dir = new TempDir();
        var (_, disparity) = Scene();
        Directory.CreateDirectory(dir.File("empty"));
        WritePair(dir, disparity, "empty");
        Assert.Equal(["calib.txt", "disp0.pfm", "im0.png", "im1.png"], Directory.GetFiles(dir.File("empty")).Select(Path.GetFileName).Order());
        var e = Assert.Throws<UserError>(() => WritePair(dir, disparity, "empty"));
        Assert.Contains("not empty", e.Message);
        // Nothing but the pair is left beside it (the temporary folder is gone).
        Assert.Equal(["empty"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        // Unknown disparities are stored as inf, as Middlebury does.
        var (stored, _, _) = Pfm.Read(dir.File("empty/disp0.pfm"));
        Assert.True(float.IsPositiveInfinity(stored[7]));
    }

    public static TheoryData<string, string> BadFolders() => new()
    {
        { "no-left", "im0.png': file not found" },
        { "no-disparity", "disp0.pfm': file not found" },
        { "no-calib", "calib.txt': file not found" },
        { "truncated-pfm", "disp0.pfm': truncated PFM data" },
        { "small-disparity", "disp0.pfm': disparity is 4x8, calib.txt says 12x8" },
        { "small-right", "im1.png': image is 6x8, calib.txt says 12x8" },
        { "calib-width", "disp0.pfm': disparity is 12x8, calib.txt says 13x8" },
        { "calib-focal", "calib.txt': cam0 focal lengths -20, 20 must be positive" },
        { "calib-baseline", "calib.txt': baseline=Infinity is not finite" },
        { "negative-depth", "disp0.pfm': disparity -3 at (0, 0) with doffs 2.5 gives no positive depth" },
    };

    [Theory]
    [MemberData(nameof(BadFolders))]
    public void Bad_pair_folders_are_one_line_errors_naming_the_file(string change, string says)
    {
        using var dir = new TempDir();
        var (_, disparity) = Scene();
        var p = WritePair(dir, disparity);
        string In(string f) => Path.Combine(p, f);
        void Calib(string from, string to) => File.WriteAllText(In("calib.txt"), File.ReadAllText(In("calib.txt")).Replace(from, to));
        switch (change)
        {
            case "no-left": File.Delete(In("im0.png")); break;
            case "no-disparity": File.Delete(In("disp0.pfm")); break;
            case "no-calib": File.Delete(In("calib.txt")); break;
            case "truncated-pfm": File.WriteAllBytes(In("disp0.pfm"), File.ReadAllBytes(In("disp0.pfm"))[..100]); break;
            case "small-disparity": Pfm.Write(In("disp0.pfm"), new float[32], 4, 8); break;
            case "small-right": ImageFile.Write(In("im1.png"), zeros(3, 8, 6)); break;
            case "calib-width": Calib("width=12", "width=13"); break;
            case "calib-focal": Calib("cam0=[20", "cam0=[-20"); break;
            case "calib-baseline": Calib("baseline=100", "baseline=Infinity"); break;
            case "negative-depth":
                disparity[0] = -3;
                Pfm.Write(In("disp0.pfm"), disparity, W, H);
                break;
        }
        var e = Assert.Throws<UserError>(() => StereoPair.Read(p));
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_folder_or_a_file_is_named()
    {
        using var dir = new TempDir();
        Assert.Contains("nope': folder not found", Assert.Throws<UserError>(() => StereoPair.Read(dir.File("nope"))).Message);
        File.WriteAllText(dir.File("f"), "x");
        Assert.Contains("'", Assert.Throws<UserError>(() => StereoPair.Read(dir.File("f"))).Message);
    }
}
