using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class WarpCommandTests
{
    public WarpCommandTests() => TestTorch.Init();

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Warp_writes_outputs_states_the_default_camera_and_reports_an_empty_view()
    {
        using var tmp = new TempDir();
        ImageFile.Write(tmp.File("img.png"), rand(3, 12, 16) * 2 - 1);
        Npy.WriteFloat32(tmp.File("d.npy"), Enumerable.Repeat(2f, 12 * 16).ToArray(), 12, 16);
        var (code, output, err) = Run("warp", "--image", tmp.File("img.png"), "--depth", tmp.File("d.npy"), "--target", "move:0.1,0,0,5,0", "--out", tmp.File("out"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("60 degree", output);
        foreach (var f in new[] { "warped.png", "holes.png", "side-by-side.png", "depth.npy", "depth.png", "target-depth.npy" })
            Assert.True(File.Exists(Path.Combine(tmp.File("out"), f)), f);
        (code, _, err) = Run("warp", "--image", tmp.File("img.png"), "--depth", tmp.File("d.npy"), "--target", "move:0,0,0,180,0", "--out", tmp.File("out2"), "-q");
        Assert.Equal(1, code);
        Assert.Contains("sees none of the source", err);
        (code, _, err) = Run("warp", "--image", tmp.File("img.png"), "--depth", tmp.File("d.npy"), "--target", "move:1,2", "--out", tmp.File("out3"), "-q");
        Assert.Equal(1, code);
        Assert.Contains("move:dx,dy,dz,yaw,pitch", err);
    }

    [Fact]
    public void Depth_verb_writes_npy_and_colour_map_from_a_file_source()
    {
        using var tmp = new TempDir();
        ImageFile.Write(tmp.File("img.png"), rand(3, 12, 16) * 2 - 1);
        Png.WriteGray16(tmp.File("d.png"), Enumerable.Repeat((ushort)1500, 12 * 16).ToArray(), 16, 12);
        var (code, output, err) = Run("depth", "--image", tmp.File("img.png"), "--model", tmp.File("d.png"), "--out", tmp.File("o/depth.npy"));
        Assert.True(code == 0, err);
        Assert.Contains("1.50-1.50 m", output);
        Assert.Equal(1.5f, Npy.ReadFloat32(tmp.File("o/depth.npy")).Values[7], 5);
        Assert.True(File.Exists(tmp.File("o/depth.png")));
    }
}
