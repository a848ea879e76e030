using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class StereoCommandTests
{
    public StereoCommandTests() => TestTorch.Init();

    [Fact]
    public void Stereo_import_writes_the_folder_that_stereo_info_reads()
    {
        using var tmp = new TempDir();
        // The right view is the left one moved 2 pixels to the left: disparity 2 (PNG value 8, scale 4) is exact.
        var left = randint(0, 256, [3, 6, 12]).to_type(ScalarType.Float32).div(127.5).sub(1);
        ImageFile.Write(tmp.File("l.png"), left);
        ImageFile.Write(tmp.File("r.png"), left.roll(-2, 2));
        ImageFile.WritePng(tmp.File("d.png"), Enumerable.Range(0, 72).Select(i => (byte)(i % 12 == 0 ? 0 : 8)).ToArray(), 12, 6, 1);
        var (code, output, err) = CliRunner.Run("eval", "stereo-import", "--left", tmp.File("l.png"), "--right", tmp.File("r.png"), "--disparity", tmp.File("d.png"),
            "--disparity-scale", "4", "--focal", "50", "--baseline-mm", "120", "--doffs", "1", "--out", tmp.File("pair"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("disparity 2 to 2 px, 8.33% unknown", output);
        // depth = 0.12 m * 50 px / (2 + 1) px.
        Assert.Contains("depth 2 to 2 m", output);
        Assert.Contains("mean |left(x, y) - right(x - d, y)| 0.00 of 255 over 60 pixels", output);
        Assert.Equal(["calib.txt", "disp0.pfm", "im0.png", "im1.png"], Directory.GetFiles(tmp.File("pair")).Select(Path.GetFileName).Order());
        (code, var info, err) = CliRunner.Run("eval", "stereo-info", "--pair", tmp.File("pair"), "--json", tmp.File("pair.json"), "-q");
        Assert.True(code == 0, err);
        Assert.Equal([.. output.Split('\n').Skip(1).SkipLast(1), $"wrote {tmp.File("pair.json")}", ""], info.Split('\n'));
        // The same figures as JSON, the data file of the docs' pair table.
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(tmp.File("pair.json")))!;
        Assert.Equal("pair", json["pair"]!.GetValue<string>());
        Assert.Equal((12, 6), (json["width"]!.GetValue<int>(), json["height"]!.GetValue<int>()));
        Assert.Equal((50.0, 120.0, 1.0), (json["focal"]!.GetValue<double>(), json["baseline_mm"]!.GetValue<double>(), json["doffs"]!.GetValue<double>()));
        Assert.Equal((2.0, 2.0), (json["disparity_min"]!.GetValue<double>(), json["disparity_max"]!.GetValue<double>()));
        Assert.Equal(6 / 72.0, json["unknown_share"]!.GetValue<double>(), 12);
        Assert.Equal(2.0, json["depth_min"]!.GetValue<double>(), 5);
        Assert.Equal(2.0, json["depth_max"]!.GetValue<double>(), 5);
        Assert.Equal((0.0, 60L), (json["warp_error"]!.GetValue<double>(), json["warp_pixels"]!.GetValue<long>()));
    }
}
