using InstantViews.Geometry;

namespace InstantViews.Lifting;

/// <summary>The camera paths of a 3D-photo video (the presets 3D Photo Inpainting renders).</summary>
public enum VideoPathKind { Circle, Swing, ZoomIn, DollyZoom }

/// <summary>
/// Cameras along a video path, relative to the scene's source camera and in its axes (OpenCV: x right, y down, z
/// forward); the view direction never turns. Distances are <c>amount</c> times the scene's median depth:
/// <list type="bullet">
/// <item>circle: the centre goes round an ellipse in the image plane, x = A cos t, y = A/2 sin t (one loop);</item>
/// <item>swing: side to side, x = A sin t, easing forward z = A/4 (1 - cos 2t) / 2 at the ends of the swing;</item>
/// <item>zoom-in: forward from the source, z = A (1 - cos pi u) / 2 for u in [0, 1] (eased);</item>
/// <item>dolly-zoom: backward, z = -A u, while the focal length grows as f (m + A u) / m so the median-depth plane keeps its size (Hitchcock's vertigo shot).</item>
/// </list>
/// </summary>
public static class VideoPath
{
    /// <summary>The default amount per path (times the median depth).</summary>
    public static double DefaultAmount(VideoPathKind kind) => kind switch
    {
        VideoPathKind.Circle => 0.04,
        VideoPathKind.Swing => 0.05,
        VideoPathKind.ZoomIn => 0.25,
        _ => 0.4,
    };

    public static VideoPathKind Parse(string name) => name switch
    {
        "circle" => VideoPathKind.Circle,
        "swing" => VideoPathKind.Swing,
        "zoom-in" => VideoPathKind.ZoomIn,
        "dolly-zoom" => VideoPathKind.DollyZoom,
        _ => throw new ArgumentException($"video path '{name}': expected circle, swing, zoom-in or dolly-zoom"),
    };

    public static List<Camera> Cameras(VideoPathKind kind, Camera source, double medianDepth, int frames, double? amount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        if (!(medianDepth > 0) || double.IsInfinity(medianDepth)) throw new ArgumentException($"median depth must be positive, got {medianDepth}");
        var a = (amount ?? DefaultAmount(kind)) * medianDepth;
        var cameras = new List<Camera>(frames);
        for (int i = 0; i < frames; i++)
        {
            // Loops (circle, swing) do not repeat their first frame at the end; one-way paths end on their last pose.
            var u = frames == 1 ? 0 : kind is VideoPathKind.Circle or VideoPathKind.Swing ? (double)i / frames : (double)i / (frames - 1);
            var t = 2 * Math.PI * u;
            var (move, focalScale) = kind switch
            {
                VideoPathKind.Circle => (new Vec3(a * Math.Cos(t), a / 2 * Math.Sin(t), 0), 1.0),
                VideoPathKind.Swing => (new Vec3(a * Math.Sin(t), 0, a / 4 * (1 - Math.Cos(2 * t)) / 2), 1.0),
                VideoPathKind.ZoomIn => (new Vec3(0, 0, a * (1 - Math.Cos(Math.PI * u)) / 2), 1.0),
                _ => (new Vec3(0, 0, -a * u), (medianDepth + a * u) / medianDepth),
            };
            cameras.Add(Moved(source, move, focalScale));
        }
        return cameras;
    }

    /// <summary><paramref name="source"/> moved by <paramref name="move"/> in its own axes (not turned), its focal length scaled.</summary>
    public static Camera Moved(Camera source, Vec3 move, double focalScale = 1) =>
        CameraTargets.Move(source, move.X, move.Y, move.Z, 0, 0) with { Fx = source.Fx * focalScale, Fy = source.Fy * focalScale };

    /// <summary>Left and right eyes of a side-by-side stereo frame: <paramref name="camera"/> moved by -/+ half of <paramref name="eyeDistance"/> along its x axis.</summary>
    public static (Camera Left, Camera Right) Eyes(Camera camera, double eyeDistance) =>
        (Moved(camera, new Vec3(-eyeDistance / 2, 0, 0)), Moved(camera, new Vec3(eyeDistance / 2, 0, 0)));
}
