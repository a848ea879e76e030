using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class SceneFolderTests
{
    [Fact]
    public void Disk_format_round_trips_and_matches_the_schema()
    {
        TestTorch.Init();
        using var tmp = new TempDir();
        var scene = SceneGenerator.Generate(5);
        var path = CameraPaths.Walkthrough(scene, Camera.FromFov(24, 16, 65), 3, new SceneRandom(5, 2));
        var views = path.Select(c => Renderer.Render(scene, c, spp: 1)).ToList();
        var dir = SceneFolder.Write(tmp.Path, 5, views, new JsonObject { ["spp"] = 1 });
        Assert.Equal(Path.Combine(tmp.Path, "scene-5"), dir);
        Assert.Equal([dir], SceneFolder.List(tmp.Path));

        // Schema: exact keys and shapes that other tools rely on.
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "cameras.json")))!;
        Assert.Equal(5, doc["seed"]!.GetValue<long>());
        Assert.Equal(24, doc["width"]!.GetValue<int>());
        Assert.Equal(16, doc["height"]!.GetValue<int>());
        var frames = doc["frames"]!.AsArray();
        Assert.Equal(3, frames.Count);
        Assert.Equal("frame-001.png", frames[1]!["image"]!.GetValue<string>());
        Assert.Equal("frame-001.depth.npy", frames[1]!["depth"]!.GetValue<string>());
        var k = frames[0]!["K"]!.AsArray();
        Assert.Equal(3, k.Count);
        Assert.Equal(0.0, k[0]![1]!.GetValue<double>());
        Assert.Equal(1.0, k[2]![2]!.GetValue<double>());
        var w2c = frames[0]!["world_to_camera"]!.AsArray();
        Assert.Equal(4, w2c.Count);
        Assert.Equal([0.0, 0, 0, 1], w2c[3]!.AsArray().Select(x => x!.GetValue<double>()));
        var npy = File.ReadAllBytes(Path.Combine(dir, "frame-000.depth.npy"));
        Assert.Equal(1, npy[6]);
        var header = System.Text.Encoding.ASCII.GetString(npy, 10, BitConverter.ToUInt16(npy, 8));
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'shape': (16, 24)", header);

        var read = SceneFolder.Read(dir);
        Assert.Equal(5, read.Seed);
        for (int i = 0; i < 3; i++)
        {
            var f = read.Frames[i];
            Assert.Equal(views[i].Camera, f.Camera);
            Assert.Equal(views[i].Depth, f.LoadDepth());
            Assert.Equal(views[i].RgbBytes(), ImageFile.ReadRgb8(f.ImagePath).Rgb);
        }
    }

    [Fact]
    public void Image_folder_lists_images_but_not_depth_maps()
    {
        TestTorch.Init();
        using var tmp = new TempDir();
        var scene = SceneGenerator.Generate(6);
        var view = Renderer.Render(scene, CameraPaths.RandomPose(scene, Camera.FromFov(16, 12, 65), new SceneRandom(6, 1)), spp: 1);
        SceneFolder.Write(tmp.Path, 6, [view]);
        var files = ImageFolder.List(tmp.Path);
        Assert.Single(files);
        Assert.EndsWith(".png", files[0]);
        // SceneFolder writes frames in a subfolder: only a recursive listing finds them.
        Assert.Throws<UserError>(() => ImageFolder.List(tmp.Path, recursive: false));
        using var image = ImageFolder.Load(files[0], 8, 6);
        Assert.Equal([3L, 6, 8], image.shape);
    }
}
