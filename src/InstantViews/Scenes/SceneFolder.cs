using System.Text.Json;
using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;

namespace InstantViews.Scenes;

/// <summary>
/// The dataset format on disk, one folder per scene:
/// <c>scene-&lt;seed&gt;/frame-000.png</c> (RGB 8-bit), <c>frame-000.depth.npy</c> (float32 (H, W) metres) and
/// <c>cameras.json</c> {"seed", "width", "height", "frames": [{"image", "depth", "K", "world_to_camera"}]}.
/// cameras.json is written last, so a folder that has it is complete.
/// </summary>
public static class SceneFolder
{
    public const string CamerasFile = "cameras.json";

    public static string Name(long seed) => $"scene-{seed}";

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes one scene's frames, depths and cameras.json under <paramref name="root"/>; returns the scene folder.</summary>
    public static string Write(string root, long seed, IReadOnlyList<RenderedView> views, JsonObject? parameters = null)
    {
        if (views.Count == 0) throw new ArgumentException("a scene needs at least one view");
        var dir = Path.Combine(root, Name(seed));
        int w = views[0].Width, h = views[0].Height;
        var frames = new JsonArray();
        for (int i = 0; i < views.Count; i++)
        {
            var v = views[i];
            if (v.Width != w || v.Height != h) throw new ArgumentException("all views of a scene must have one size");
            var image = $"frame-{i:000}.png";
            var depth = $"frame-{i:000}.depth.npy";
            ImageFile.WritePng(Path.Combine(dir, image), v.RgbBytes(), w, h, 3);
            Npy.WriteFloat32(Path.Combine(dir, depth), v.Depth, h, w);
            frames.Add(CameraJson.Write(v.Camera, new JsonObject { ["image"] = image, ["depth"] = depth }));
        }
        var doc = new JsonObject { ["seed"] = seed, ["width"] = w, ["height"] = h };
        if (parameters is not null) doc["parameters"] = parameters;
        doc["frames"] = frames;
        AtomicFile.WriteText(Path.Combine(dir, CamerasFile), doc.ToJsonString(Indented));
        return dir;
    }

    /// <summary>True when <paramref name="folder"/> holds a complete scene.</summary>
    public static bool IsComplete(string folder) => File.Exists(Path.Combine(folder, CamerasFile));

    /// <summary>Scene folders (those with cameras.json) directly under <paramref name="root"/>, in name order.</summary>
    public static IReadOnlyList<string> List(string root)
    {
        if (!Directory.Exists(root)) throw new UserError($"'{root}': folder not found");
        return Directory.GetDirectories(root).Where(IsComplete).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Reads a scene folder written by <see cref="Write"/> (or by other tools in the same format).</summary>
    public static MultiViewScene Read(string folder)
    {
        var file = Path.Combine(folder, CamerasFile);
        if (!File.Exists(file)) throw new UserError($"'{folder}': no {CamerasFile}; not a scene folder");
        JsonNode doc;
        try { doc = JsonNode.Parse(File.ReadAllText(file)) ?? throw new UserError($"'{file}': empty JSON"); }
        catch (JsonException e) { throw new UserError($"'{file}': invalid JSON ({e.Message})"); }
        int w = Int(doc, "width", file), h = Int(doc, "height", file);
        long? seed = doc["seed"] is JsonValue s ? s.GetValue<long>() : null;
        if (doc["frames"] is not JsonArray frames) throw new UserError($"'{file}': missing \"frames\" array");
        var list = new List<MultiViewFrame>();
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i] ?? throw new UserError($"'{file}': frame {i} is null");
            var image = f["image"]?.GetValue<string>() ?? throw new UserError($"'{file}': frame {i} has no \"image\"");
            var depth = f["depth"]?.GetValue<string>();
            var camera = CameraJson.Read(f, w, h, $"'{file}' frame {i}");
            list.Add(new MultiViewFrame(Path.Combine(folder, image), depth is null ? null : Path.Combine(folder, depth), camera));
        }
        return new MultiViewScene(folder, list, seed);
    }

    static int Int(JsonNode doc, string key, string file)
    {
        try { return doc[key]?.GetValue<int>() ?? throw new UserError($"'{file}': missing \"{key}\""); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw new UserError($"'{file}': \"{key}\" must be an integer"); }
    }
}
