using System.Security.Cryptography;
using InstantViews.Imaging;
using InstantViews.Tests.Depth;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

/// <summary>ONNX presets, phone depth and `models` from the command line: what is printed, what is written.</summary>
[Collection("console")]
public class ExternalDepthCommandTests
{
    public ExternalDepthCommandTests() => TestTorch.Init();

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run([.. args, "--threads", "1"]);

    static readonly float[] Third = [1f / 3, 1f / 3, 1f / 3];

    [Fact]
    public void Models_get_fetches_a_midas_export_that_depth_then_runs_by_name()
    {
        using var tmp = new TempDir();
        var model = TinyOnnx.Model("0", [1, 3, 256, 256], "1", [1, 256, 256], Third, 0);
        File.WriteAllBytes(tmp.File("model-small.onnx"), model);
        var url = new Uri(tmp.File("model-small.onnx")).AbsoluteUri;
        var hash = Convert.ToHexStringLower(SHA256.HashData(model));
        var (code, output, err) = Run("models", "get", "midas-v2.1-small", "--url", url, "--sha256", hash, "--out", tmp.File("models"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains($"wrote {tmp.File("models/midas-v2.1-small.onnx")} (sha256 {hash[..16]}..., licence MIT)", output);
        Assert.Equal(model, File.ReadAllBytes(tmp.File("models/midas-v2.1-small.onnx")));
        (code, output, _) = Run("models", "get", "midas-v2.1-small", "--url", url, "--sha256", hash, "--out", tmp.File("models"), "-q");
        Assert.Equal(0, code);
        Assert.Contains("already there", output);
        // The pinned hash is not this tiny file's: refused, and the models folder keeps only what it had.
        (code, _, err) = Run("models", "get", "midas-v2.1-small", "--url", url, "--out", tmp.File("other"), "-q");
        Assert.Equal(1, code);
        Assert.Contains("not the expected 2d8c6cb8", err);
        Assert.False(Directory.Exists(tmp.File("other")));

        ImageFile.Write(tmp.File("img.png"), rand(3, 12, 16) * 2 - 1);
        (code, output, err) = Run("depth", "--image", tmp.File("img.png"), "--model", "onnx:midas-v2.1-small", "--models", tmp.File("models"), "--out", tmp.File("d"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("midas-small preset, detected from input 256x256", output);
        Assert.Contains("scale is a guess: focal-length prior, median 3.00 m", output);
        var (depth, _) = Npy.ReadFloat32(tmp.File("d.npy"));
        Assert.Equal(3.0, depth.Order().ElementAt(depth.Length / 2), 1e-3);
    }

    [Fact]
    public void Models_list_names_every_model_its_licence_and_whether_its_hash_is_pinned()
    {
        var (code, output, err) = Run("models", "list");
        Assert.True(code == 0, err);
        foreach (var name in new[] { "depth-anything-v2-small", "depth-anything-v2-base", "midas-v2.1-small" }) Assert.Contains(name + ":", output);
        Assert.Contains("licence Apache-2.0", output);
        Assert.Contains("sha256 not pinned", output);
        Assert.Contains("sha256 2d8c6cb8f415229daf1eb041024208e2608c9f98e17c81cc7c6ecb449c56fd58", output);
        (code, _, err) = Run("models", "get", "depth-anything-v2-small", "--url", "file:///nowhere.onnx");
        Assert.Equal(1, code);
        Assert.Contains("no SHA-256 is pinned for this file", err);
    }

    [Fact]
    public void Depth_anything_with_known_depths_reports_the_fit()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("da.onnx"), TinyOnnx.Model("pixel_values", ["batch", 3, "height", "width"], "predicted_depth", ["batch", "height", "width"], Third, 0));
        // A bright left half (near) and a dark right half (far): one relative inverse depth each.
        var img = full(3, 12, 16, 0.8f);
        img[.., .., 8..] = full(3, 12, 8, -0.8f);
        ImageFile.Write(tmp.File("img.png"), img);
        var (code, output, err) = Run("depth", "--image", tmp.File("img.png"), "--model", "onnx:" + tmp.File("da.onnx"), "--onnx-known", "1,1,2;14,10,5", "--out", tmp.File("d"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("depth-anything-v2 preset, detected from dynamic input 'pixel_values'", output);
        Assert.Contains("fitted to 2 known depths", output);
        Assert.DoesNotContain("guess", output);
        var (depth, _) = Npy.ReadFloat32(tmp.File("d.npy"));
        Assert.Equal(2, depth[1 * 16 + 1], 1e-3);
        Assert.Equal(5, depth[10 * 16 + 14], 1e-3);
    }

    [Fact]
    public void Auto_depth_uses_the_phone_map_in_depth_and_warp()
    {
        using var tmp = new TempDir();
        var values = Enumerable.Range(0, 16 * 12).Select(i => (byte)(i % 200 + 20)).ToArray();
        var props = new Dictionary<string, string> { ["Format"] = "RangeLinear", ["Near"] = "1", ["Far"] = "6", ["Mime"] = "image/png" };
        var data = new Dictionary<string, string> { ["Data"] = Convert.ToBase64String(PhoneJpeg.Grey8Png(values, 16, 12)) };
        File.WriteAllBytes(tmp.File("phone.jpg"), PhoneJpeg.GDepth(rand(3, 12, 16) * 2 - 1, props, data));
        var (code, output, err) = Run("depth", "--image", tmp.File("phone.jpg"), "--model", "auto", "--out", tmp.File("d"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("depth by depth map embedded in 'phone.jpg' (GDepth RangeLinear", output);
        var (depth, _) = Npy.ReadFloat32(tmp.File("d.npy"));
        Assert.Equal(values.Select(v => (float)(1 + v / 255.0 * 5)), depth, new Tolerance(1e-5));
        (code, output, err) = Run("warp", "--image", tmp.File("phone.jpg"), "--depth", "auto", "--target", "move:0.05,0,0,0,0", "--out", tmp.File("w"), "-q");
        Assert.True(code == 0, err);
        Assert.Contains("depth: depth map embedded in 'phone.jpg'", output);
    }
}
