using System.Text.Json;
using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Runtime;
using SkiaSharp;

namespace InstantViews.Scenes;

/// <summary>
/// Reads users' captures in the NeRF transforms.json convention: per frame "file_path" and "transform_matrix"
/// (camera-to-world, OpenGL axes); intrinsics "fl_x"/"fl_y"/"cx"/"cy"/"w"/"h" at the top or per frame, or
/// "camera_angle_x"; optional "depth_file_path" (.npy metres or 16-bit PNG millimetres).
/// </summary>
public static class NerfFolder
{
    public const string TransformsFile = "transforms.json";

    public static MultiViewScene Read(string folder)
    {
        var file = File.Exists(folder) ? folder : Path.Combine(folder, TransformsFile);
        var root = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (!File.Exists(file)) throw new UserError($"'{folder}': no {TransformsFile}");
        JsonNode doc;
        try { doc = JsonNode.Parse(File.ReadAllText(file)) ?? throw new UserError($"'{file}': empty JSON"); }
        catch (JsonException e) { throw new UserError($"'{file}': invalid JSON ({e.Message})"); }
        if (doc["frames"] is not JsonArray frames || frames.Count == 0) throw new UserError($"'{file}': no \"frames\"");
        var list = new List<MultiViewFrame>();
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i]!;
            var what = $"'{file}' frame {i}";
            var rel = f["file_path"]?.GetValue<string>() ?? throw new UserError($"{what}: no \"file_path\"");
            var image = ResolveImage(root, rel) ?? throw new UserError($"{what}: image '{rel}' not found");
            int w = (int)(Number(f, doc, "w") ?? 0), h = (int)(Number(f, doc, "h") ?? 0);
            if (w <= 0 || h <= 0) (w, h) = ImageSize(image);
            var fx = Number(f, doc, "fl_x");
            if (fx is null)
            {
                var angle = Number(f, doc, "camera_angle_x") ?? throw new UserError($"{what}: needs \"fl_x\" or \"camera_angle_x\"");
                fx = 0.5 * w / Math.Tan(0.5 * angle);
            }
            var fy = Number(f, doc, "fl_y") ?? fx.Value;
            var cx = Number(f, doc, "cx") ?? 0.5 * w;
            var cy = Number(f, doc, "cy") ?? 0.5 * h;
            var c2w = CameraJson.ReadMatrix(f["transform_matrix"], 3, 4, $"{what} transform_matrix");
            var camera = Camera.FromNerf(c2w, fx.Value, fy, cx, cy, w, h);
            var depthRel = f["depth_file_path"]?.GetValue<string>();
            string? depth = null;
            if (depthRel is not null)
            {
                depth = Path.Combine(root, depthRel);
                if (!File.Exists(depth)) throw new UserError($"{what}: depth '{depthRel}' not found");
            }
            list.Add(new MultiViewFrame(image, depth, camera));
        }
        return new MultiViewScene(root, list);
    }

    /// <summary>A per-frame value, else the file-level one, else null.</summary>
    static double? Number(JsonNode frame, JsonNode doc, string key)
    {
        var n = frame[key] ?? doc[key];
        return n is JsonValue v ? v.GetValue<double>() : null;
    }

    /// <summary>Blender-style paths often omit the extension: try the path as given, then with .png/.jpg.</summary>
    static string? ResolveImage(string root, string rel)
    {
        var p = Path.Combine(root, rel);
        foreach (var candidate in new[] { p, p + ".png", p + ".jpg", p + ".jpeg" })
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    static (int W, int H) ImageSize(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new UserError($"'{path}': not a readable image");
        return (codec.Info.Width, codec.Info.Height);
    }
}
