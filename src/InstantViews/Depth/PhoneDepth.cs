using System.Globalization;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// The depth map a phone recorded in a JPEG (<see cref="EmbeddedDepthReader"/>), in metres at the image's size: resized
/// (bilinear) when the phone stored it smaller, refused when its aspect ratio differs; distance along the ray becomes z
/// through the camera (the default pinhole when none is given).
/// </summary>
public sealed class PhoneDepth(string path, EmbeddedDepthMap map) : IDepthEstimator
{
    public string Path { get; } = path;
    public EmbeddedDepthMap Map { get; } = map;
    int width, height;

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"depth map embedded in '{System.IO.Path.GetFileName(Path)}' ({Map.Container} {Map.Format}, near {Map.Near:0.###} m, far {Map.Far:0.###} m{(width > 0 ? $", {width}x{height}" : "")}{(Map.AlongRay ? ", along the ray" : "")})");

    public bool FixedMap => true;

    /// <summary>The photo's embedded depth, or null when it has none (a malformed one is an error).</summary>
    public static PhoneDepth? TryOpen(string path) => EmbeddedDepthReader.Read(path) is { } map ? new PhoneDepth(path, map) : null;

    /// <summary>The photo's embedded depth; none is an error naming the photo.</summary>
    public static PhoneDepth Open(string path) =>
        TryOpen(path) ?? throw new UserError($"'{path}': no depth map embedded (no GDepth or Dynamic Depth XMP); use --depth builtin or auto");

    /// <summary>The map in metres at its own size [h, w].</summary>
    public Tensor Read()
    {
        var (metres, w, h) = Map.Decode(Path);
        (width, height) = (w, h);
        return tensor(metres, [h, w]);
    }

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        using var scope = NewDisposeScope();
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        var depth = Read();
        if (height != h || width != w)
        {
            if (Math.Abs((double)width / height / ((double)w / h) - 1) > 0.01)
                throw new UserError($"'{Path}': its embedded depth map is {width}x{height}, the image {w}x{h}: not the same aspect ratio");
            depth = Resize.To(depth.view(1, 1, height, width), h, w, ResizeFilter.Bilinear)[0, 0];
        }
        if (Map.AlongRay)
        {
            // z = distance / |(x - cx) / fx, (y - cy) / fy, 1| at each pixel centre.
            var cam = camera ?? Camera.FromFov(w, h, CameraTargets.DefaultFovXDegrees);
            var x = (arange(w, ScalarType.Float64) + 0.5 - cam.Cx) / cam.Fx;
            var y = (arange(h, ScalarType.Float64) + 0.5 - cam.Cy) / cam.Fy;
            var norm = (1 + y.view(h, 1).pow(2) + x.view(1, w).pow(2)).sqrt();
            depth = (depth.to_type(ScalarType.Float64) / norm).to_type(ScalarType.Float32);
        }
        DepthValidation.Require(depth, h, w, $"'{Path}' embedded depth");
        return depth.MoveToOuterDisposeScope();
    }
}
