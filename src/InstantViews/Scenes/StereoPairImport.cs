using System.Globalization;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>
/// Converts a rectified stereo pair given as separate files into the Middlebury 2014 layout that
/// <see cref="StereoPair"/> reads: left and right images (PNG/JPEG), the left view's disparity (an 8- or 16-bit grey
/// PNG with 0 = unknown, a float .npy or a one-channel PFM with NaN or infinity = unknown; every known value is divided
/// by the scale) and the calibration (focal length and principal point in pixels, baseline in millimetres, doffs).
/// </summary>
public static class StereoPairImport
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Writes <paramref name="outFolder"/> (new or empty; written whole or not at all) and returns the pair read back
    /// from it. <paramref name="cx"/> and <paramref name="cy"/> are the left camera's principal point with the top-left
    /// pixel's centre at (0, 0), by default the image centre ((W - 1) / 2, (H - 1) / 2); the right camera's cx is
    /// cx + doffs. Every problem with the inputs is a <see cref="UserError"/> naming the file or value, found before
    /// anything is written.
    /// </summary>
    public static StereoPair Import(string left, string right, string disparity, double focal, double baselineMm, string outFolder,
        double doffs = 0, double disparityScale = 1, double? cx = null, double? cy = null)
    {
        if (!double.IsFinite(focal) || focal <= 0) throw new UserError($"focal length {focal.ToString(Inv)} must be a positive number of pixels");
        if (!double.IsFinite(baselineMm) || baselineMm <= 0) throw new UserError($"baseline {baselineMm.ToString(Inv)} must be a positive number of millimetres");
        if (!double.IsFinite(doffs)) throw new UserError($"doffs {doffs.ToString(Inv)} must be a finite number of pixels");
        if (!double.IsFinite(disparityScale) || disparityScale <= 0) throw new UserError($"disparity scale {disparityScale.ToString(Inv)} must be positive");
        foreach (var (v, name) in new[] { (cx, "cx"), (cy, "cy") })
            if (v is { } p && !double.IsFinite(p)) throw new UserError($"{name} {p.ToString(Inv)} must be a finite number of pixels");

        using (NewDisposeScope()) Convert(left, right, disparity, focal, baselineMm, outFolder, doffs, disparityScale, cx, cy);
        return StereoPair.Read(outFolder);
    }

    static void Convert(string left, string right, string disparity, double focal, double baselineMm, string outFolder,
        double doffs, double disparityScale, double? cx, double? cy)
    {
        var l = ImageFile.Read(left);
        var r = ImageFile.Read(right);
        var (w, h) = ((int)l.shape[2], (int)l.shape[1]);
        if (r.shape[1] != h || r.shape[2] != w)
            throw new UserError($"'{right}': right image is {r.shape[2]}x{r.shape[1]}, the left image '{left}' is {w}x{h}");
        var (d, dw, dh) = ReadDisparity(disparity, disparityScale);
        if (dw != w || dh != h) throw new UserError($"'{disparity}': disparity is {dw}x{dh}, the images are {w}x{h}");

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var integers = true;
        for (int i = 0; i < d.Length; i++)
        {
            var v = d[i];
            if (float.IsNaN(v)) continue;
            if (v + doffs <= 0)
                throw new UserError($"'{disparity}': disparity {v.ToString(Inv)} at ({i % w}, {i / w}) with doffs {doffs.ToString(Inv)} gives no positive depth (d + doffs must be > 0)");
            (min, max) = (Math.Min(min, v), Math.Max(max, v));
            integers &= v == MathF.Round(v);
        }
        if (float.IsPositiveInfinity(min)) throw new UserError($"'{disparity}': no pixel has a known disparity");

        var (px, py) = (cx ?? (w - 1) / 2.0, cy ?? (h - 1) / 2.0);
        var calibration = new StereoCalibration(StereoCalibration.Intrinsics(focal, px, py), StereoCalibration.Intrinsics(focal, px + doffs, py), doffs, baselineMm, w, h)
        {
            Extra =
            [
                KeyValuePair.Create("ndisp", ((int)Math.Ceiling(max) + 1).ToString(Inv)),
                KeyValuePair.Create("isint", integers ? "1" : "0"),
                KeyValuePair.Create("vmin", Math.Floor(min).ToString(Inv)),
                KeyValuePair.Create("vmax", Math.Ceiling(max).ToString(Inv)),
            ],
        };
        StereoPair.Write(outFolder, l, r, d, calibration);
    }

    /// <summary>
    /// A disparity file as row-major values from the top row, NaN where unknown, known values divided by
    /// <paramref name="scale"/>: an 8- or 16-bit grey PNG (0 = unknown), a float32/float64 .npy [H, W] or [1, H, W]
    /// (NaN or infinite = unknown) or a one-channel PFM (infinite or NaN = unknown).
    /// </summary>
    public static (float[] Values, int Width, int Height) ReadDisparity(string path, double scale = 1)
    {
        if (Directory.Exists(path)) throw new UserError($"'{path}': a folder, not a disparity file");
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        float[] values;
        int w, h;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".png")
        {
            ushort[] raw;
            if (Png.BitDepth(path) == 16) (raw, w, h) = Png.ReadGray16(path);
            else
            {
                var (rgb, rw, rh) = ImageFile.ReadRgb8(path);
                (w, h) = (rw, rh);
                raw = new ushort[w * h];
                for (int i = 0; i < raw.Length; i++)
                {
                    if (rgb[3 * i] != rgb[3 * i + 1] || rgb[3 * i] != rgb[3 * i + 2])
                        throw new UserError($"'{path}': a colour image; a disparity PNG is grey (8 or 16 bits, 0 = unknown)");
                    raw[i] = rgb[3 * i];
                }
            }
            values = new float[raw.Length];
            for (int i = 0; i < raw.Length; i++) values[i] = raw[i] == 0 ? float.NaN : (float)(raw[i] / scale);
            return (values, w, h);
        }
        if (ext == ".npy")
        {
            var (v, shape) = Npy.ReadFloat32(path);
            var dims = shape.Length == 3 && shape[0] == 1 ? shape[1..] : shape;
            if (dims.Length != 2) throw new UserError($"'{path}': disparity .npy must be [H, W] (or [1, H, W]), got [{string.Join(", ", shape)}]");
            ImageFile.CheckSize(path, dims[1], dims[0]);
            (values, w, h) = (v, (int)dims[1], (int)dims[0]);
        }
        else if (ext == ".pfm") (values, w, h) = Pfm.Read(path);
        else throw new UserError($"'{path}': a disparity file is a grey PNG (0 = unknown), a float .npy or a one-channel .pfm");
        for (int i = 0; i < values.Length; i++) values[i] = float.IsFinite(values[i]) ? (float)(values[i] / scale) : float.NaN;
        return (values, w, h);
    }
}
