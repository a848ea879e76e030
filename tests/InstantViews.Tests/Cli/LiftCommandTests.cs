using InstantViews.Imaging;
using InstantViews.Lifting;
using InstantViews.Runtime;
using InstantViews.Tests.Lifting;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class LiftCommandTests
{
    public LiftCommandTests() => TestTorch.Init();

    [Fact]
    public void Lift_writes_the_scene_folder_with_both_exports_and_skips_them_on_request()
    {
        using var dir = new TempDir();
        var pipeline = LiftFixtures.TinyPipeline();
        Checkpoint.Save(dir.File("model.safetensors"), ((InstantViews.NovelViews.OneStepViews)pipeline.Generator).Model);
        var (rgb, depth, _) = LiftFixtures.TwoPlanes();
        ImageFile.Write(dir.File("photo.png"), rgb);
        Npy.WriteFloat32(dir.File("depth.npy"), depth.data<float>().ToArray(), 32, 48);
        var common = new[] { "lift", "--model", dir.File("model.safetensors"), "--image", dir.File("photo.png"), "--depth", dir.File("depth.npy"), "--threads", "1" };
        var r = CliRunner.Run([.. common, "--out", dir.File("scene")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("2 layer(s)", r.Out);
        Assert.Contains("scene.glb", r.Out);
        Assert.Equal(["layer0-depth.npy", "layer0.png", "layer1-depth.npy", "layer1.png", "scene.glb", "scene.json", "scene.ply"],
            Directory.GetFiles(dir.File("scene")).Select(Path.GetFileName).Order());
        using (var scene = LayeredScene.Load(dir.File("scene")))
        {
            Assert.Equal($"depth file '{dir.File("depth.npy")}'", scene.DepthSource);
            Assert.Equal(PhotoLifter.ScaleNote(true), scene.DepthScale);
            Assert.Equal((48, 32), scene.PhotoSize);
        }
        // Lifted again into the same folder without the exports: the folder is replaced whole.
        r = CliRunner.Run([.. common, "--out", dir.File("scene"), "--no-glb", "--no-ply"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.False(File.Exists(dir.File("scene/scene.glb")));
        Assert.False(File.Exists(dir.File("scene/scene.ply")));
        Assert.Equal(["scene"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Where(n => n!.StartsWith('.') || n == "scene"));

        // One command, every output: the scene, its two exports and a video along a path (H.264, read back by ffprobe).
        r = CliRunner.Run([.. common, "--out", dir.File("scene"), "--video", "swing", "--frames", "5"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("scene.mp4 (5 frames at 48x32, swing", r.Out);
        Assert.True(File.Exists(dir.File("scene/scene.glb")) && File.Exists(dir.File("scene/scene.ply")));
        var start = new System.Diagnostics.ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames,width,height", "-of", "csv=p=0", dir.File("scene/scene.mp4") }) start.ArgumentList.Add(a);
        using var probe = System.Diagnostics.Process.Start(start)!;
        var text = probe.StandardOutput.ReadToEnd().Trim();
        probe.WaitForExit();
        Assert.Equal("h264,48,32,5", text);
        // A path that does not exist is a usage error before any work; the folder is left as it was.
        r = CliRunner.Run([.. common, "--out", dir.File("other"), "--video", "spiral"]);
        Assert.Equal(2, r.Code);
        Assert.Contains("spiral", r.Err);
        Assert.False(Directory.Exists(dir.File("other")));
    }
}
