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
    }
}
