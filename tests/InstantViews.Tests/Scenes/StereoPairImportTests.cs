using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using SkiaSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Scenes;

public class StereoPairImportTests
{
    public StereoPairImportTests() => TestTorch.Init();

    const int W = 10, H = 6;

    static void Images(TempDir dir, string ext = ".png")
    {
        foreach (var name in new[] { "left", "right" })
        {
            var image = rand(3, H, W) * 2 - 1;
            if (ext == ".png") ImageFile.Write(dir.File(name + ext), image);
            else File.WriteAllBytes(dir.File(name + ext), ImageFile.Encode(image, SKEncodedImageFormat.Jpeg, 95));
        }
    }

    static void AssertSameImages(TempDir dir, StereoPair pair, string ext)
    {
        Assert.True(TensorAssert.Same(ImageFile.Read(dir.File("left" + ext)), pair.Left));
        Assert.True(TensorAssert.Same(ImageFile.Read(dir.File("right" + ext)), pair.Right));
    }

    [Fact]
    public void Eight_bit_png_disparity_with_a_scale_reads_back_equal()
    {
        using var dir = new TempDir();
        Images(dir);
        // Stored values v (0 = unknown) are disparities v / 4.
        var stored = Enumerable.Range(0, W * H).Select(i => (byte)(i % 7 == 0 ? 0 : 40 + i)).ToArray();
        ImageFile.WritePng(dir.File("disp.png"), stored, W, H, 1);
        using var pair = StereoPairImport.Import(dir.File("left.png"), dir.File("right.png"), dir.File("disp.png"), focal: 50, baselineMm: 120, dir.File("out"),
            doffs: 1.5, disparityScale: 4, cx: 4.25, cy: 2.75);
        AssertSameImages(dir, pair, ".png");
        var d = pair.Disparity.data<float>().ToArray();
        for (int i = 0; i < W * H; i++)
            if (stored[i] == 0) Assert.True(float.IsNaN(d[i]), $"pixel {i}");
            else Assert.Equal(stored[i] / 4f, d[i]);
        var c = pair.Calibration;
        Assert.Equal((50.0, 4.25, 2.75, 4.25 + 1.5, 2.75), (c.Focal, c.Cam0[0, 2], c.Cam0[1, 2], c.Cam1[0, 2], c.Cam1[1, 2]));
        Assert.Equal((1.5, 120.0, W, H), (c.Doffs, c.BaselineMm, c.Width, c.Height));
        // 41..99 stored: disparities 10.25..24.75.
        Assert.Equal(["ndisp=26", "isint=0", "vmin=10", "vmax=25"], c.Extra.Select(kv => $"{kv.Key}={kv.Value}"));
        // What was returned is what a fresh read of the folder gives.
        using var again = StereoPair.Read(dir.File("out"));
        Assert.Equal(d.Select(BitConverter.SingleToInt32Bits), again.Disparity.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Npy_disparity_with_nan_and_jpeg_images_read_back_equal()
    {
        using var dir = new TempDir();
        Images(dir, ".jpg");
        var values = Enumerable.Range(0, W * H).Select(i => i % 5 == 0 ? float.NaN : i % 11 == 0 ? float.PositiveInfinity : 3.125f + i / 7f).ToArray();
        Npy.WriteFloat32(dir.File("disp.npy"), values, 1, H, W);
        using var pair = StereoPairImport.Import(dir.File("left.jpg"), dir.File("right.jpg"), dir.File("disp.npy"), focal: 30, baselineMm: 65, dir.File("out"));
        AssertSameImages(dir, pair, ".jpg");
        var d = pair.Disparity.data<float>().ToArray();
        for (int i = 0; i < W * H; i++)
            if (!float.IsFinite(values[i])) Assert.True(float.IsNaN(d[i]), $"pixel {i}");
            else Assert.Equal(values[i], d[i]);
        // Defaults: the principal point at the image centre (first pixel's centre at 0), doffs 0.
        Assert.Equal(((W - 1) / 2.0, (H - 1) / 2.0, 0.0), (pair.Calibration.Cam0[0, 2], pair.Calibration.Cam0[1, 2], pair.Doffs));
        Assert.Equal((W / 2.0, H / 2.0), (pair.LeftCamera.Cx, pair.LeftCamera.Cy));
        var (_, _, unknown) = pair.DisparityStats();
        Assert.Equal(values.Count(v => !float.IsFinite(v)) / (double)(W * H), unknown, 12);
    }

    [Fact]
    public void Sixteen_bit_png_disparity_reads_back_equal()
    {
        using var dir = new TempDir();
        Images(dir);
        var stored = Enumerable.Range(0, W * H).Select(i => (ushort)(i == 3 ? 0 : 1000 + 97 * i)).ToArray();
        Png.WriteGray16(dir.File("disp.png"), stored, W, H);
        using var pair = StereoPairImport.Import(dir.File("left.png"), dir.File("right.png"), dir.File("disp.png"), 40, 100, dir.File("out"), disparityScale: 256);
        var d = pair.Disparity.data<float>().ToArray();
        Assert.True(float.IsNaN(d[3]));
        Assert.Equal(stored.Where((_, i) => i != 3).Select(v => (float)(v / 256.0)), d.Where((_, i) => i != 3));
    }

    [Theory]
    [InlineData("size", "disp.npy': disparity is 10x5, the images are 10x6")]
    [InlineData("right", "right.png': right image is 7x6, the left image")]
    [InlineData("colour", "a colour image; a disparity PNG is grey")]
    [InlineData("negative", "disp.npy': disparity -1 at (2, 0) with doffs 0 gives no positive depth")]
    [InlineData("unknown", "disp.npy': no pixel has a known disparity")]
    [InlineData("shape", "disp.npy': disparity .npy must be [H, W]")]
    [InlineData("extension", "disp.txt': a disparity file is a grey PNG")]
    [InlineData("full", "out': folder exists and is not empty")]
    public void Bad_inputs_are_refused_before_anything_is_written(string change, string says)
    {
        using var dir = new TempDir();
        Images(dir);
        var disparity = dir.File("disp.npy");
        var values = Enumerable.Repeat(2f, W * H).ToArray();
        Npy.WriteFloat32(disparity, values, H, W);
        switch (change)
        {
            case "size": Npy.WriteFloat32(disparity, new float[W * 5], 5, W); break;
            case "right": ImageFile.Write(dir.File("right.png"), zeros(3, H, 7)); break;
            case "colour":
                disparity = dir.File("colour.png");
                ImageFile.Write(disparity, rand(3, H, W) * 2 - 1);
                break;
            case "negative":
                values[2] = -1;
                Npy.WriteFloat32(disparity, values, H, W);
                break;
            case "unknown": Npy.WriteFloat32(disparity, Enumerable.Repeat(float.NaN, W * H).ToArray(), H, W); break;
            case "shape": Npy.WriteFloat32(disparity, values, 2, H, W / 2); break;
            case "extension":
                disparity = dir.File("disp.txt");
                File.WriteAllText(disparity, "1 2 3");
                break;
            case "full":
                Directory.CreateDirectory(dir.File("out"));
                File.WriteAllText(dir.File("out/note"), "x");
                break;
        }
        var before = Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Order().ToArray();
        var e = Assert.Throws<UserError>(() => StereoPairImport.Import(dir.File("left.png"), dir.File("right.png"), disparity, 30, 100, dir.File("out")));
        Assert.Contains(says, e.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Order());
    }
}
