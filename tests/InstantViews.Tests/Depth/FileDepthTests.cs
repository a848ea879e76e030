using InstantViews.Depth;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

public class FileDepthTests
{
    public FileDepthTests() => TestTorch.Init();

    [Fact]
    public void Png_millimetres_and_npy_metres_read_back()
    {
        using var dir = new TempDir();
        var mm = Enumerable.Range(0, 6 * 4).Select(i => (ushort)(500 + 100 * i)).ToArray();
        Png.WriteGray16(dir.File("d.png"), mm, 6, 4);
        var fromPng = new FileDepth(dir.File("d.png")).Estimate(zeros(3, 4, 6));
        Assert.Equal([4L, 6], fromPng.shape);
        Assert.Equal(0.5f + 0.1f * 7, fromPng[1, 1].item<float>(), 5);

        var m = Enumerable.Range(0, 24).Select(i => 1f + i / 10f).ToArray();
        Npy.WriteFloat32(dir.File("d.npy"), m, 4, 6);
        Npy.WriteFloat32(dir.File("d1.npy"), m, 1, 4, 6);
        Assert.Equal(1f + 23 / 10f, new FileDepth(dir.File("d.npy")).Estimate(zeros(3, 4, 6))[3, 5].item<float>(), 5);
        Assert.Equal([4L, 6], new FileDepth(dir.File("d1.npy")).Estimate(zeros(3, 4, 6)).shape);
    }

    [Fact]
    public void Bad_depth_files_are_clear_errors()
    {
        using var dir = new TempDir();
        Npy.WriteFloat32(dir.File("d.npy"), Enumerable.Repeat(2f, 24).ToArray(), 4, 6);
        Assert.Contains("6x4 pixels, the image is 4x6", Assert.Throws<UserError>(() => new FileDepth(dir.File("d.npy")).Estimate(zeros(3, 6, 4))).Message);
        Npy.WriteFloat32(dir.File("nan.npy"), [1, float.NaN, 1, 1], 2, 2);
        Assert.Contains("NaN", Assert.Throws<UserError>(() => new FileDepth(dir.File("nan.npy")).Estimate(zeros(3, 2, 2))).Message);
        Npy.WriteFloat32(dir.File("neg.npy"), [1, -1, 1, 1], 2, 2);
        Assert.Contains("<= 0", Assert.Throws<UserError>(() => new FileDepth(dir.File("neg.npy")).Estimate(zeros(3, 2, 2))).Message);
        Npy.WriteFloat32(dir.File("rgb.npy"), new float[12], 3, 2, 2);
        Assert.Contains("[H, W]", Assert.Throws<UserError>(() => new FileDepth(dir.File("rgb.npy")).Estimate(zeros(3, 2, 2))).Message);
        Png.WriteGray16(dir.File("holes.png"), [1000, 0, 1000, 1000], 2, 2);
        Assert.Contains("1 pixels are 0", Assert.Throws<UserError>(() => new FileDepth(dir.File("holes.png")).Estimate(zeros(3, 2, 2))).Message);
        ImageFile.Write(dir.File("rgb.png"), zeros(3, 2, 2));
        Assert.Throws<UserError>(() => new FileDepth(dir.File("rgb.png")).Estimate(zeros(3, 2, 2)));
        File.WriteAllText(dir.File("d.txt"), "1");
        Assert.Contains("16-bit PNG", Assert.Throws<UserError>(() => new FileDepth(dir.File("d.txt")).Estimate(zeros(3, 2, 2))).Message);
        Assert.Contains("not found", Assert.Throws<UserError>(() => DepthSource.Open(dir.File("missing.png"))).Message);
        Assert.Contains("expected builtin", Assert.Throws<UserError>(() => DepthSource.Open("midas")).Message);
    }
}
