using System.Text.Json.Nodes;
using InstantViews.Imaging;
using InstantViews.Lifting;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

public class LayeredSceneTests
{
    public LayeredSceneTests() => TestTorch.Init();

    static LayeredScene TwoLayers()
    {
        var (rgb, depth, cam) = LiftFixtures.TwoPlanes(12, 8, 6);
        var valid = zeros(8, 12);
        valid[.., 4..8] = tensor(1f);
        var back = new SceneLayer("background", (rand(3, 8, 12) * 2 - 1), depth * 1.5f, valid);
        return new LayeredScene(cam, [new SceneLayer("photo", rgb, depth, ones(8, 12)), back], "depth file 'd.npy'", PhotoLifter.ScaleNote(true), (24, 16));
    }

    static Tensor Quantised(Tensor x) => x.add(1).mul(127.5).round().div(127.5).sub(1);

    [Fact]
    public void Save_and_load_round_trip_every_layer_the_camera_and_the_notes()
    {
        using var dir = new TempDir();
        using var scene = TwoLayers();
        scene.Save(dir.File("scene"));
        using var back = LayeredScene.Load(dir.File("scene"));
        Assert.Equal(scene.Camera, back.Camera);
        Assert.Equal((24, 16), back.PhotoSize);
        Assert.Equal("depth file 'd.npy'", back.DepthSource);
        Assert.Equal(PhotoLifter.ScaleNote(true), back.DepthScale);
        Assert.Equal(2, back.Layers.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(scene.Layers[i].Name, back.Layers[i].Name);
            // Colour is 8-bit in the PNG: exact after quantisation where valid (A = 0 pixels carry colour too, unpremultiplied).
            Assert.True((Quantised(scene.Layers[i].Rgb) - back.Layers[i].Rgb).abs().max().item<float>() < 1e-5);
            Assert.True(TensorAssert.Same(scene.Layers[i].Depth, back.Layers[i].Depth));
            Assert.True(TensorAssert.Same(scene.Layers[i].Valid, back.Layers[i].Valid));
        }
        var json = JsonNode.Parse(File.ReadAllText(dir.File("scene/scene.json")))!;
        Assert.Equal(LayeredScene.Version, json["version"]!.GetValue<int>());
        Assert.Equal("layer1-depth.npy", json["layers"]![1]!["depth"]!.GetValue<string>());
        Assert.Equal(["layer0-depth.npy", "layer0.png", "layer1-depth.npy", "layer1.png", "scene.json"], Directory.GetFiles(dir.File("scene")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Save_replaces_a_scene_whole_and_refuses_a_folder_of_other_files()
    {
        using var dir = new TempDir();
        using var scene = TwoLayers();
        scene.Save(dir.File("scene"), d => File.WriteAllText(Path.Combine(d, "extra.txt"), "x"));
        Assert.True(File.Exists(dir.File("scene/extra.txt")));
        using var one = LiftFixtures.Single(scene.Layers[0].Rgb, scene.Layers[0].Depth, scene.Camera);
        one.Save(dir.File("scene"));
        // Replaced whole: the old layer1 and the extra file are gone, nothing temporary is left beside it.
        Assert.False(File.Exists(dir.File("scene/layer1.png")));
        Assert.False(File.Exists(dir.File("scene/extra.txt")));
        Assert.Equal(["scene"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Directory.CreateDirectory(dir.File("other"));
        File.WriteAllText(dir.File("other/notes.txt"), "keep me");
        var e = Assert.Throws<UserError>(() => scene.Save(dir.File("other")));
        Assert.Contains("holds no scene.json", e.Message);
        Assert.True(File.Exists(dir.File("other/notes.txt")));
        // A failing extra writer leaves the old scene and no temporary folder.
        Assert.Contains("disk full", Assert.Throws<UserError>(() => scene.Save(dir.File("scene"), _ => throw new IOException("disk full"))).Message);
        Assert.True(File.Exists(dir.File("scene/scene.json")));
        Assert.Equal(["other", "scene"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "nojson", "scene.json': file not found" },
        { "badjson", "scene.json': not valid JSON" },
        { "version", "scene.json': version 2 is not supported" },
        { "format", "\"format\" is 'something-else'" },
        { "nolayers", "\"layers\" must be a non-empty list" },
        { "camera", "camera K: expected a 3x3 matrix" },
        { "missingpng", "layer1.png': file not found" },
        { "textpng", "layer0.png': not a readable image" },
        { "sizepng", "layer0.png': layer image is 6x4, scene.json says 12x8" },
        { "shapenpy", "layer1-depth.npy': depth shape (8, 11)" },
        { "negdepth", "layer0-depth.npy': depth -1 at pixel (3, 2)" },
        { "traversal", "layers[0] names '../layer0.png'" },
        { "width", "\"width\" must be an integer of at least 1" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Load_names_the_file_and_the_problem_in_one_line(string broken, string says)
    {
        using var dir = new TempDir();
        using var scene = TwoLayers();
        var d = dir.File("scene");
        scene.Save(d);
        var jsonPath = Path.Combine(d, "scene.json");
        void Json(Func<string, string> edit) => File.WriteAllText(jsonPath, edit(File.ReadAllText(jsonPath)));
        switch (broken)
        {
            case "nojson": File.Delete(jsonPath); break;
            case "badjson": File.WriteAllText(jsonPath, "{\"version\": 1,"); break;
            case "version": Json(s => s.Replace("\"version\": 1", "\"version\": 2")); break;
            case "format": Json(s => s.Replace(LayeredScene.Format, "something-else")); break;
            case "nolayers": Json(s => JsonNode.Parse(s)!.AsObject() is var o && o.Remove("layers") ? o.ToJsonString() : s); break;
            case "camera": Json(s => { var o = JsonNode.Parse(s)!; o["camera"]!["K"] = new JsonArray(1, 2); return o.ToJsonString(); }); break;
            case "missingpng": File.Delete(Path.Combine(d, "layer1.png")); break;
            case "textpng": File.WriteAllText(Path.Combine(d, "layer0.png"), "not a png"); break;
            case "sizepng": ImageFile.Write(Path.Combine(d, "layer0.png"), zeros(3, 4, 6)); break;
            case "shapenpy": Npy.WriteFloat32(Path.Combine(d, "layer1-depth.npy"), new float[88], 8, 11); break;
            case "negdepth":
                var values = Enumerable.Repeat(2f, 96).ToArray();
                values[2 * 12 + 3] = -1;
                Npy.WriteFloat32(Path.Combine(d, "layer0-depth.npy"), values, 8, 12);
                break;
            case "traversal": Json(s => s.Replace("\"image\": \"layer0.png\"", "\"image\": \"../layer0.png\"")); break;
            case "width": Json(s => s.Replace("\"width\": 12", "\"width\": 0")); break;
        }
        var e = Assert.Throws<UserError>(() => LayeredScene.Load(d));
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Load_refuses_a_missing_folder_and_a_file()
    {
        using var dir = new TempDir();
        Assert.Contains("folder not found", Assert.Throws<UserError>(() => LayeredScene.Load(dir.File("none"))).Message);
        File.WriteAllText(dir.File("f"), "x");
        Assert.Contains("is a file", Assert.Throws<UserError>(() => LayeredScene.Load(dir.File("f"))).Message);
    }
}
