using System.Text.Json;
using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>
/// A photo lifted to layers of surfaces seen from its camera (a "3D photo"): layer 0 is the photo with its depth,
/// later layers hold what lies behind its depth discontinuities (<see cref="PhotoLifter"/>). Every layer is on the
/// source camera's pixel grid (<see cref="Width"/> x <see cref="Height"/>), depths in metres along the camera's z.
/// <para>
/// Folder format (version 1), written by <see cref="Save"/> and read by <see cref="Load"/>:
/// <c>scene.json</c> — {"format": "instantviews-layered-scene", "version": 1, "width", "height" (the layer grid),
/// "photo": {"width", "height"} (the photo's own size before any cap), "camera": {"K", "world_to_camera"} (OpenCV axes:
/// x right, y down, z forward; K at the grid size), "depth": {"source", "scale"} (where depth came from, and whether its
/// metres are measured or a guess), "layers": [{"name", "image", "depth"}, ...]};
/// <c>layer0.png</c> (8-bit RGBA, A = 255 where the layer is valid, 0 where empty), <c>layer0-depth.npy</c> (float32
/// [H, W], metres; any value where A = 0), <c>layer1.png</c>, <c>layer1-depth.npy</c>, ... Other files in the folder
/// (the exports scene.glb and scene.ply) are not part of the scene and are ignored by <see cref="Load"/>.
/// </para>
/// </summary>
public sealed class LayeredScene : IDisposable
{
    public const string Format = "instantviews-layered-scene";
    public const int Version = 1;
    public const string JsonName = "scene.json";

    /// <summary>The source camera at the layer grid's size (pose world-to-camera; identity for a photo lifted without --camera).</summary>
    public Camera Camera { get; }
    public IReadOnlyList<SceneLayer> Layers { get; }
    /// <summary>Where the depth came from (the estimator's description, e.g. "builtin" or a file).</summary>
    public string DepthSource { get; }
    /// <summary>What the depth's metres mean: measured (a depth file) or the estimator's guess of scale.</summary>
    public string DepthScale { get; }
    /// <summary>The photo's own size before it was capped to the grid.</summary>
    public (int Width, int Height) PhotoSize { get; }
    public int Width => Camera.Width;
    public int Height => Camera.Height;

    /// <summary>The median depth (metres) of the photo's layer where it is valid: the scale camera paths are measured in.</summary>
    public double MedianDepth
    {
        get
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var layer = Layers[0];
            var depths = layer.Depth.masked_select(layer.Valid.gt(0.5));
            return depths.numel() > 0 ? depths.median().item<float>() : layer.Depth.median().item<float>();
        }
    }

    public LayeredScene(Camera camera, IReadOnlyList<SceneLayer> layers, string depthSource, string depthScale, (int Width, int Height) photoSize)
    {
        if (layers.Count == 0) throw new ArgumentException("a scene needs at least one layer");
        CameraChecks.Require(camera, "scene camera");
        for (int i = 0; i < layers.Count; i++) layers[i].Check(camera.Height, camera.Width, $"layer {i} ({layers[i].Name})");
        (Camera, Layers, DepthSource, DepthScale, PhotoSize) = (camera, layers, depthSource, depthScale, photoSize);
    }

    readonly byte[]?[] pngs = new byte[]?[16];
    readonly object pngLock = new();

    /// <summary>Layer <paramref name="i"/> as its RGBA PNG (encoded once: the folder and the .glb carry the same bytes; layers may be encoded in parallel).</summary>
    public byte[] LayerPngBytes(int i)
    {
        lock (pngLock)
            if (i < pngs.Length && pngs[i] is { } cached) return cached;
        var bytes = LayerPng.Encode(LayerPng.Rgba(Layers[i].Rgb, Layers[i].Valid), Width, Height);
        lock (pngLock)
            if (i < pngs.Length) pngs[i] ??= bytes;
        return bytes;
    }

    /// <summary>File names of layer <paramref name="i"/>.</summary>
    public static (string Image, string Depth) LayerFiles(int i) => ($"layer{i}.png", $"layer{i}-depth.npy");

    /// <summary>
    /// Writes the scene to folder <paramref name="dir"/> atomically: everything goes to a temporary folder beside it
    /// (<paramref name="alsoWrite"/> may add files there, e.g. the exports), which then replaces <paramref name="dir"/>
    /// whole, so a reader never sees a half-written scene. An existing <paramref name="dir"/> must be empty or a scene.
    /// </summary>
    public void Save(string dir, Action<string>? alsoWrite = null)
    {
        var full = CheckTarget(dir);
        var parent = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(parent); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{parent}': cannot create output folder ({e.Message})"); }
        var tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        var old = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.old");
        try
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            Directory.CreateDirectory(tmp);
            WriteFiles(tmp);
            alsoWrite?.Invoke(tmp);
            if (Directory.Exists(full)) Directory.Move(full, old);
            Directory.Move(tmp, full);
            if (Directory.Exists(old)) Directory.Delete(old, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Put a replaced scene back rather than leave nothing.
            if (Directory.Exists(old) && !Directory.Exists(full)) Directory.Move(old, full);
            throw new UserError($"'{dir}': cannot write the scene ({e.Message})");
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        }
    }

    /// <summary>
    /// Checks that <paramref name="dir"/> can take a scene (before any work): not a file, and if it exists, empty or a
    /// scene folder (which <see cref="Save"/> replaces whole). Returns its full path.
    /// </summary>
    public static string CheckTarget(string dir)
    {
        var full = Path.GetFullPath(dir.TrimEnd('/', '\\') is { Length: > 0 } d ? d : dir);
        if (File.Exists(full)) throw new UserError($"'{dir}': is a file; a scene is a folder");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, JsonName)))
            throw new UserError($"'{dir}': folder exists, is not empty and holds no {JsonName}; give a new or empty folder (a scene folder is replaced whole)");
        return full;
    }

    void WriteFiles(string dir)
    {
        var layers = new JsonArray();
        for (int i = 0; i < Layers.Count; i++)
        {
            var (image, depth) = LayerFiles(i);
            var layer = Layers[i];
            File.WriteAllBytes(Path.Combine(dir, image), LayerPngBytes(i));
            File.WriteAllBytes(Path.Combine(dir, depth), Npy.EncodeFloat32(layer.Depth.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray(), Height, Width));
            layers.Add(new JsonObject { ["name"] = layer.Name, ["image"] = image, ["depth"] = depth });
        }
        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["width"] = Width,
            ["height"] = Height,
            ["photo"] = new JsonObject { ["width"] = PhotoSize.Width, ["height"] = PhotoSize.Height },
            ["camera"] = CameraJson.Write(Camera),
            ["axes"] = "OpenCV camera axes: x right, y down, z forward; metres",
            ["depth"] = new JsonObject { ["source"] = DepthSource, ["scale"] = DepthScale },
            ["layers"] = layers,
        };
        File.WriteAllText(Path.Combine(dir, JsonName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a scene folder; every malformed input is a one-line <see cref="UserError"/> naming the file and the problem.</summary>
    public static LayeredScene Load(string dir)
    {
        if (File.Exists(dir)) throw new UserError($"'{dir}': is a file; a scene is a folder with {JsonName}");
        if (!Directory.Exists(dir)) throw new UserError($"'{dir}': folder not found");
        var jsonPath = Path.Combine(dir, JsonName);
        if (!File.Exists(jsonPath)) throw new UserError($"'{jsonPath}': file not found (not a scene folder)");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(jsonPath)); }
        catch (JsonException e) { throw new UserError($"'{jsonPath}': not valid JSON ({e.Message.Split('\n')[0]})"); }
        if (root is not JsonObject o) throw new UserError($"'{jsonPath}': expected a JSON object");
        string Text(JsonNode? node, string field) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new UserError($"'{jsonPath}': \"{field}\" must be a string");
        int Int(JsonNode? node, string field, int min)
        {
            if (node is JsonValue v && v.TryGetValue<double>(out var x) && x == Math.Floor(x) && x >= min && x <= int.MaxValue) return (int)x;
            throw new UserError($"'{jsonPath}': \"{field}\" must be an integer of at least {min}");
        }
        if (Text(o["format"], "format") != Format) throw new UserError($"'{jsonPath}': \"format\" is '{o["format"]}', expected '{Format}'");
        var version = Int(o["version"], "version", 0);
        if (version != Version) throw new UserError($"'{jsonPath}': version {version} is not supported (this program reads version {Version})");
        int w = Int(o["width"], "width", 1), h = Int(o["height"], "height", 1);
        if (o["photo"] is not JsonObject photo) throw new UserError($"'{jsonPath}': \"photo\" must be an object with width and height");
        var photoSize = (Int(photo["width"], "photo.width", 1), Int(photo["height"], "photo.height", 1));
        if (o["camera"] is not JsonObject cam) throw new UserError($"'{jsonPath}': \"camera\" must be an object with K and world_to_camera");
        var camera = CameraJson.Read(cam, w, h, $"'{jsonPath}': camera");
        CameraChecks.Require(camera, $"'{jsonPath}': camera");
        if (o["depth"] is not JsonObject depth) throw new UserError($"'{jsonPath}': \"depth\" must be an object with source and scale");
        var (source, scale) = (Text(depth["source"], "depth.source"), Text(depth["scale"], "depth.scale"));
        if (o["layers"] is not JsonArray list || list.Count == 0) throw new UserError($"'{jsonPath}': \"layers\" must be a non-empty list");
        var layers = new List<SceneLayer>();
        try
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is not JsonObject entry) throw new UserError($"'{jsonPath}': layers[{i}] must be an object with name, image and depth");
                var name = Text(entry["name"], $"layers[{i}].name");
                var image = Path.Combine(dir, SafeName(Text(entry["image"], $"layers[{i}].image"), jsonPath, i));
                var depthFile = Path.Combine(dir, SafeName(Text(entry["depth"], $"layers[{i}].depth"), jsonPath, i));
                var (rgb, valid) = LayerPng.Read(image);
                if (rgb.shape[1] != h || rgb.shape[2] != w)
                    throw new UserError($"'{image}': layer image is {rgb.shape[2]}x{rgb.shape[1]}, {JsonName} says {w}x{h}");
                var (values, shape) = Npy.ReadFloat32(depthFile);
                if (shape.Length != 2 || shape[0] != h || shape[1] != w)
                    throw new UserError($"'{depthFile}': depth shape ({string.Join(", ", shape)}), {JsonName} says ({h}, {w})");
                var layer = new SceneLayer(name, rgb, tensor(values, [h, w]), valid);
                layers.Add(layer);
                layer.Check(h, w, $"'{depthFile}'");
            }
            return new LayeredScene(camera, layers, source, scale, photoSize);
        }
        catch
        {
            foreach (var l in layers) l.Dispose();
            throw;
        }
    }

    // A layer file must sit in the scene folder itself: no paths, no parent references.
    static string SafeName(string name, string jsonPath, int i) =>
        name.Length > 0 && Path.GetFileName(name) == name && name != "." && name != ".." ? name
        : throw new UserError($"'{jsonPath}': layers[{i}] names '{name}'; layer files must be plain file names in the scene folder");

    public void Dispose()
    {
        foreach (var l in Layers) l.Dispose();
    }
}
