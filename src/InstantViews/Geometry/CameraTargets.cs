using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InstantViews.Runtime;

namespace InstantViews.Geometry;

/// <summary>Target cameras as users name them: JSON files (one camera or a scene's cameras.json) and relative moves (orbit:, move:).</summary>
public static class CameraTargets
{
    /// <summary>Field of view assumed for images that come without a camera.</summary>
    public const double DefaultFovXDegrees = 60;

    /// <summary>
    /// Reads {"K", "world_to_camera"[, "width", "height"]} or a cameras.json with "frames" (frame <paramref name="frame"/>).
    /// Without width/height the camera is taken to be for the image's size; with them, it is rescaled to the image.
    /// </summary>
    public static Camera ReadJson(string path, int frame, int width, int height)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': camera file not found");
        JsonNode root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new UserError($"'{path}': empty JSON"); }
        catch (JsonException e) { throw new UserError($"'{path}': invalid JSON ({e.Message.Split('\n')[0]})"); }
        if (root is not JsonObject) throw new UserError($"'{path}': a camera JSON object is expected (K, world_to_camera), got a {root.GetValueKind().ToString().ToLowerInvariant()}");
        var node = root;
        if (root["frames"] is JsonArray frames)
        {
            if (frame < 0 || frame >= frames.Count) throw new UserError($"'{path}': frame {frame} requested, the file has {frames.Count}");
            node = frames[frame] as JsonObject ?? throw new UserError($"'{path}': frame {frame} is not a JSON object");
        }
        int w = Int(root["width"]) ?? Int(node["width"]) ?? width, h = Int(root["height"]) ?? Int(node["height"]) ?? height;
        var cam = CameraJson.Read(node, w, h, $"'{path}'");
        CameraChecks.Require(cam, $"'{path}'");
        return w == width && h == height ? cam : cam.Scaled(width, height);
    }

    static int? Int(JsonNode? n) => n is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    /// <summary>
    /// The target camera: a JSON file, "orbit:yaw,pitch,radius" around the point on the source's optical axis at
    /// <paramref name="pivotDepth"/> (radius 0 = that depth), or "move:dx,dy,dz,yaw,pitch" in source camera axes
    /// (metres; x right, y down, z forward). Angles in degrees: positive yaw turns right, positive pitch looks up.
    /// </summary>
    public static Camera Target(string spec, Camera source, double pivotDepth, int frame = 0)
    {
        if (spec.StartsWith("orbit:", StringComparison.Ordinal))
        {
            var v = Numbers(spec["orbit:".Length..], 3, "orbit:yaw,pitch,radius");
            return Orbit(source, pivotDepth, v[0], v[1], v[2]);
        }
        if (spec.StartsWith("move:", StringComparison.Ordinal))
        {
            var v = Numbers(spec["move:".Length..], 5, "move:dx,dy,dz,yaw,pitch");
            return Move(source, v[0], v[1], v[2], v[3], v[4]);
        }
        if (spec.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return ReadJson(spec, frame, source.Width, source.Height);
        throw new UserError($"target camera '{spec}': expected a camera .json, orbit:yaw,pitch,radius or move:dx,dy,dz,yaw,pitch");
    }

    /// <summary>
    /// The camera orbiting the point on the source's optical axis at <paramref name="pivotDepth"/>, looking at it from
    /// <paramref name="radius"/> away (0 = the pivot depth, i.e. through the source position at yaw = pitch = 0).
    /// </summary>
    public static Camera Orbit(Camera source, double pivotDepth, double yawDegrees, double pitchDegrees, double radius = 0)
    {
        var r = radius > 0 ? radius : pivotDepth;
        var rot = Turn(yawDegrees, pitchDegrees);
        // Target camera in source camera coordinates: looking at the pivot from `r` away.
        var centre = new Vec3(0, 0, pivotDepth) - rot * new Vec3(0, 0, r);
        return Relative(source, new RigidTransform(rot, centre));
    }

    /// <summary>The camera moved by (dx, dy, dz) metres in source camera axes, then turned by yaw and pitch (degrees).</summary>
    public static Camera Move(Camera source, double dx, double dy, double dz, double yawDegrees, double pitchDegrees) =>
        Relative(source, new RigidTransform(Turn(yawDegrees, pitchDegrees), new Vec3(dx, dy, dz)));

    // Yaw about the camera's y axis (down), then pitch about x: positive yaw looks right, positive pitch looks up.
    static Mat3 Turn(double yawDegrees, double pitchDegrees) =>
        Mat3.RotationY(yawDegrees * Math.PI / 180) * Mat3.RotationX(pitchDegrees * Math.PI / 180);

    /// <summary>A camera placed by its pose in the source camera's coordinates (x_source = R x_target + t).</summary>
    static Camera Relative(Camera source, RigidTransform targetToSource) =>
        source.WithPose(source.WorldToCamera.Then(targetToSource.Inverse()));

    static double[] Numbers(string text, int count, string what)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count || !parts.All(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)))
            throw new UserError($"target camera: expected {what} ({count} numbers), got '{text}'");
        return parts.Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }
}
