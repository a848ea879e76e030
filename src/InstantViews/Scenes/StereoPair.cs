using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>
/// A rectified stereo pair in the Middlebury 2014 scene layout: <c>im0.png</c> (left), <c>im1.png</c> (right),
/// <c>disp0.pfm</c> (the left view's disparity, <c>inf</c> where unknown) and <c>calib.txt</c>. A left pixel x with
/// disparity d is seen in the right image at x - d, and its depth is baseline * f / (d + doffs).
/// <para>
/// The cameras are <see cref="Camera"/>s in OpenCV axes: the left one at the identity pose, the right one with
/// world-to-camera translation (-baseline, 0, 0), intrinsics from cam0 and cam1. calib.txt places the top-left pixel's
/// centre at (0, 0) while <see cref="Camera"/> places it at (0.5, 0.5), so Cx = cx + 0.5 and Cy = cy + 0.5.
/// </para>
/// </summary>
public sealed class StereoPair : IDisposable
{
    public const string LeftFile = "im0.png";
    static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;
    public const string RightFile = "im1.png";
    public const string DisparityFile = "disp0.pfm";

    /// <summary>The folder the pair was read from.</summary>
    public string Folder { get; }

    /// <summary>The pair's name in results: its folder's own name ("data/real-pairs/aloe/" is "aloe").</summary>
    public string Name => Path.GetFileName(Path.GetFullPath(Folder).TrimEnd('/'));

    /// <summary>The left image, [3, H, W] in [-1, 1].</summary>
    public Tensor Left { get; }

    /// <summary>The right image, [3, H, W] in [-1, 1].</summary>
    public Tensor Right { get; }

    /// <summary>The left view's disparity in pixels, [H, W] float32, NaN where unknown.</summary>
    public Tensor Disparity { get; }

    public StereoCalibration Calibration { get; }

    /// <summary>The left camera: identity pose, cam0's intrinsics.</summary>
    public Camera LeftCamera { get; }

    /// <summary>The right camera: world-to-camera translation (-baseline, 0, 0) in metres, cam1's intrinsics.</summary>
    public Camera RightCamera { get; }

    public int Width => Calibration.Width;
    public int Height => Calibration.Height;

    /// <summary>The baseline in metres.</summary>
    public double Baseline => Calibration.BaselineMetres;

    /// <summary>cx1 - cx0 in pixels.</summary>
    public double Doffs => Calibration.Doffs;

    StereoPair(string folder, Tensor left, Tensor right, Tensor disparity, StereoCalibration calibration)
    {
        Folder = folder;
        Left = left;
        Right = right;
        Disparity = disparity;
        Calibration = calibration;
        (LeftCamera, RightCamera) = Cameras(calibration);
    }

    /// <summary>The two cameras a calibration describes (see the class summary).</summary>
    public static (Camera Left, Camera Right) Cameras(StereoCalibration c)
    {
        Camera Make(double[,] k, Vec3 t) => new(k[0, 0], k[1, 1], k[0, 2] + 0.5, k[1, 2] + 0.5, c.Width, c.Height, Mat3.Identity, t);
        return (Make(c.Cam0, Vec3.Zero), Make(c.Cam1, new Vec3(-c.BaselineMetres, 0, 0)));
    }

    /// <summary>
    /// Reads a pair folder. A missing file, a bad PFM or calib.txt, images, disparity and calib.txt of different sizes,
    /// or a known disparity d with d + doffs &lt;= 0 (no positive depth) is a <see cref="UserError"/> naming the file.
    /// </summary>
    public static StereoPair Read(string folder)
    {
        if (File.Exists(folder)) throw new UserError($"'{folder}': a file, not a stereo pair folder (im0.png, im1.png, disp0.pfm, calib.txt)");
        if (!Directory.Exists(folder)) throw new UserError($"'{folder}': folder not found");
        string In(string file)
        {
            var path = Path.Combine(folder, file);
            return File.Exists(path) ? path : throw new UserError($"'{path}': file not found (a stereo pair folder holds im0.png, im1.png, disp0.pfm, calib.txt)");
        }
        var (leftPath, rightPath, dispPath, calibPath) = (In(LeftFile), In(RightFile), In(DisparityFile), In(StereoCalibration.FileName));
        var calibration = StereoCalibration.Read(calibPath);
        var (w, h) = (calibration.Width, calibration.Height);
        var (disparity, dw, dh) = Pfm.Read(dispPath);
        if (dw != w || dh != h) throw new UserError($"'{dispPath}': disparity is {dw}x{dh}, calib.txt says {w}x{h}");
        var left = ReadImage(leftPath, w, h);
        var right = ReadImage(rightPath, w, h);
        for (int i = 0; i < disparity.Length; i++)
        {
            var d = disparity[i];
            if (!float.IsFinite(d)) disparity[i] = float.NaN;
            else if (d + calibration.Doffs <= 0)
                throw new UserError($"'{dispPath}': disparity {d.ToString(Inv)} at ({i % w}, {i / w}) with doffs {calibration.Doffs.ToString(Inv)} gives no positive depth (d + doffs must be > 0)");
        }
        return new StereoPair(folder, left, right, tensor(disparity, [h, w]), calibration);
    }

    /// <summary>
    /// Writes a pair folder: the images ([3, H, W] in [-1, 1]) as 8-bit PNG, the disparity (row-major from the top row,
    /// NaN or infinite = unknown, stored as inf) as a little-endian PFM, and the calibration. An existing non-empty
    /// <paramref name="folder"/> is refused; the files go into a temporary folder beside it, renamed when complete.
    /// </summary>
    public static void Write(string folder, Tensor left, Tensor right, ReadOnlySpan<float> disparity, StereoCalibration calibration)
    {
        var (w, h) = (calibration.Width, calibration.Height);
        foreach (var image in new[] { left, right })
            if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] != h || image.shape[2] != w)
                throw new ArgumentException($"images must be [3, {h}, {w}] as the calibration says, got [{string.Join(", ", image.shape)}]");
        if (disparity.Length != w * h) throw new ArgumentException($"{disparity.Length} disparities for {w}x{h} pixels");
        calibration.Check(StereoCalibration.FileName);
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        RequireEmpty(full, folder);
        var parent = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(parent); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{parent}': cannot create output folder ({e.Message})"); }
        var temporary = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        try
        {
            Directory.CreateDirectory(temporary);
            ImageFile.Write(Path.Combine(temporary, LeftFile), left);
            ImageFile.Write(Path.Combine(temporary, RightFile), right);
            var stored = disparity.ToArray();
            for (int i = 0; i < stored.Length; i++) if (!float.IsFinite(stored[i])) stored[i] = float.PositiveInfinity;
            Pfm.Write(Path.Combine(temporary, DisparityFile), stored, w, h);
            AtomicFile.WriteText(Path.Combine(temporary, StereoCalibration.FileName), calibration.Format());
            RequireEmpty(full, folder);
            if (Directory.Exists(full)) Directory.Delete(full);
            Directory.Move(temporary, full);
        }
        catch (UnauthorizedAccessException e) { throw new UserError($"'{folder}': cannot write ({e.Message})"); }
        finally { if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true); }
    }

    static void RequireEmpty(string full, string shown)
    {
        if (File.Exists(full)) throw new UserError($"'{shown}': a file; the pair is written into a new folder");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new UserError($"'{shown}': folder exists and is not empty; the pair is written into a new or empty folder");
    }

    static Tensor ReadImage(string path, int w, int h)
    {
        var image = ImageFile.Read(path);
        if (image.shape[1] != h || image.shape[2] != w)
            throw new UserError($"'{path}': image is {image.shape[2]}x{image.shape[1]}, calib.txt says {w}x{h}");
        return image;
    }

    /// <summary>Depth of the left view in metres, baseline * f / (d + doffs), [H, W], NaN where the disparity is unknown.</summary>
    public Tensor TrueDepth()
    {
        using var scope = NewDisposeScope();
        return Disparity.to_type(ScalarType.Float64).add(Doffs).reciprocal().mul(Baseline * Calibration.Focal)
            .to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Known disparities: smallest, largest, and the fraction of pixels whose disparity is unknown.</summary>
    public (float Min, float Max, double UnknownFraction) DisparityStats()
    {
        var d = Disparity.data<float>().ToArray();
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var unknown = 0;
        foreach (var v in d)
        {
            if (float.IsNaN(v)) { unknown++; continue; }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return unknown == d.Length ? (float.NaN, float.NaN, 1) : (min, max, unknown / (double)d.Length);
    }

    /// <summary>
    /// The check that the disparity belongs to the images: the mean over colour channels and pixels of
    /// |left(x, y) - right(x - d, y)| in 8-bit levels (0-255), the right image interpolated linearly along its row, over
    /// the pixels with a known disparity whose match lies inside the right image; with the count of those pixels.
    /// Lighting differences between the views and occlusion at object edges keep it above 0 for real photographs.
    /// </summary>
    public (double MeanAbsDifference, long Pixels) WarpError()
    {
        var (w, h) = (Width, Height);
        var left = Left.data<float>().ToArray();
        var right = Right.data<float>().ToArray();
        var d = Disparity.data<float>().ToArray();
        double sum = 0;
        long n = 0;
        var plane = w * h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var disparity = d[y * w + x];
                if (float.IsNaN(disparity)) continue;
                var xr = x - (double)disparity;
                if (xr < 0 || xr > w - 1) continue;
                var x0 = Math.Min((int)Math.Floor(xr), w - 2);
                var t = xr - x0;
                if (w == 1) { x0 = 0; t = 0; }
                for (int c = 0; c < 3; c++)
                {
                    var row = c * plane + y * w;
                    var r = w == 1 ? right[row] : (1 - t) * right[row + x0] + t * right[row + x0 + 1];
                    sum += Math.Abs(left[row + x] - r);
                }
                n++;
            }
        return (n == 0 ? double.NaN : sum / (3 * n) * 127.5, n);
    }

    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
        Disparity.Dispose();
    }
}
