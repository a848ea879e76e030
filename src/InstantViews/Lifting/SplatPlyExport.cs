using System.Buffers.Binary;
using System.Text;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>
/// Writes a <see cref="LayeredScene"/> as 3D Gaussian splats in the standard 3DGS .ply layout (Kerbl et al., SIGGRAPH
/// 2023, as its reference code saves them, degree-0 colour only): binary little-endian, one vertex per splat with the
/// float properties x y z, nx ny nz (zeros), f_dc_0 f_dc_1 f_dc_2, opacity, scale_0 scale_1 scale_2, rot_0 rot_1 rot_2
/// rot_3, in that order (68 bytes a splat).
/// <list type="bullet">
/// <item>colour c in [0, 1] = 0.5 + <see cref="ShC0"/> f_dc (the degree-0 spherical harmonic), so f_dc = (c - 0.5) / C0;</item>
/// <item>opacity is a logit: alpha = sigmoid(opacity), alpha = <see cref="Alpha"/> for every splat;</item>
/// <item>scales are natural logs of standard deviations: across the ray, <see cref="FootprintScale"/> times the
/// footprint of the block of pixels it stands for (step d / f metres at depth d); along the ray a tenth of that, so a
/// splat is a thin disc facing the source camera;</item>
/// <item>rot is a unit quaternion (w, x, y, z) turning the splat's local z axis onto the viewing ray.</item>
/// </list>
/// Axes: by default the source camera's OpenCV axes, x right, y down, z forward (metres), the convention of COLMAP and
/// so of the reference 3DGS outputs. Viewers disagree on which way is up: those that take +Y as up (SuperSplat, Spark,
/// GaussianSplats3D with its default up) show such a file upside down until turned a half turn about X
/// (docs/3d-photos.md says how, per viewer). With <c>yUp</c> the file is written already turned, in the .glb's axes
/// (x, -y, -z): +Y up, the camera at the origin looking down -Z; rotations are turned with it (q' = (0, 1, 0, 0) q).
/// One splat per valid pixel of every layer, or per <c>step</c> x <c>step</c> block (the mean of the block's valid pixels that are continuous with its first).
/// </summary>
public static class SplatPlyExport
{
    /// <summary>The degree-0 real spherical harmonic, 1 / (2 sqrt(pi)).</summary>
    public const double ShC0 = 0.28209479177387814;
    public const float Alpha = 0.99f;
    public const double FootprintScale = 0.7;
    /// <summary>Bytes of one splat record: 17 float32 values.</summary>
    public const int RecordBytes = 17 * 4;

    public static readonly string[] Properties =
        ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"];

    /// <summary>The step `lift` uses: one splat per pixel up to a 512-px long side, per 2x2 block up to 1536, and so on.</summary>
    public static int DefaultStep(int width, int height) => Math.Max(1, (int)Math.Round(Math.Max(width, height) / 512.0));

    /// <summary>The header for <paramref name="count"/> splats (ASCII, ending in "end_header\n").</summary>
    public static string Header(long count)
    {
        var sb = new StringBuilder("ply\nformat binary_little_endian 1.0\n");
        sb.Append($"element vertex {count}\n");
        foreach (var p in Properties) sb.Append($"property float {p}\n");
        sb.Append("end_header\n");
        return sb.ToString();
    }

    /// <summary>Writes the splats of <paramref name="scene"/> to <paramref name="path"/> (atomically); returns the splat count and file size.</summary>
    public static (long Splats, long Bytes) Write(LayeredScene scene, string path, int step = 1, bool yUp = false)
    {
        var bytes = Encode(scene, step, yUp);
        AtomicFile.Write(path, bytes);
        return ((bytes.Length - Encoding.ASCII.GetByteCount(Header(0))) / RecordBytes, bytes.Length);
    }

    /// <summary>The .ply bytes.</summary>
    public static byte[] Encode(LayeredScene scene, int step = 1, bool yUp = false)
    {
        if (step < 1) throw new ArgumentException($"step must be at least 1, got {step}");
        var cam = scene.Camera;
        int w = scene.Width, h = scene.Height, n = w * h;
        var opacity = (float)Math.Log(Alpha / (1 - Alpha));
        var values = new List<float>(17 * n / (step * step) + 17);
        Span<float> record = stackalloc float[17];
        foreach (var layer in scene.Layers)
        {
            var rgb = layer.Rgb.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            var depth = layer.Depth.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            var valid = layer.Valid.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            for (int by = 0; by < h; by += step)
                for (int bx = 0; bx < w; bx += step)
                {
                    double su = 0, sv = 0, sd = 0, r = 0, g = 0, b = 0;
                    var count = 0;
                    var first = -1f;
                    for (int y = by; y < Math.Min(h, by + step); y++)
                        for (int x = bx; x < Math.Min(w, bx + step); x++)
                        {
                            var i = y * w + x;
                            if (valid[i] < 0.5f) continue;
                            if (first < 0) first = depth[i];
                            else if (LayerMesh.Discontinuous(first, depth[i], LayerMesh.DefaultThreshold)) continue;
                            (su, sv, sd) = (su + x + 0.5, sv + y + 0.5, sd + depth[i]);
                            (r, g, b) = (r + rgb[i], g + rgb[n + i], b + rgb[2 * n + i]);
                            count++;
                        }
                    if (count == 0) continue;
                    Record(cam, su / count, sv / count, sd / count, r / count, g / count, b / count, step, opacity, record);
                    if (yUp) TurnAboutX(record);
                    foreach (var v in record) values.Add(v);
                }
        }
        var splats = values.Count / 17;
        var header = Encoding.ASCII.GetBytes(Header(splats));
        var bytes = new byte[header.Length + (long)splats * RecordBytes];
        header.CopyTo(bytes, 0);
        var body = System.Runtime.InteropServices.MemoryMarshal.AsBytes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
        if (BitConverter.IsLittleEndian) body.CopyTo(bytes.AsSpan(header.Length));
        else for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(header.Length + 4 * i), values[i]);
        return bytes;
    }

    /// <summary>A record turned a half turn about X: position (x, -y, -z), rotation (0, 1, 0, 0) (w, x, y, z) = (-x, w, -z, y).</summary>
    static void TurnAboutX(Span<float> r)
    {
        (r[1], r[2]) = (-r[1], -r[2]);
        (r[13], r[14], r[15], r[16]) = (-r[14], r[13], -r[16], r[15]);
    }

    /// <summary>
    /// Writes one splat's 17 values for pixel coordinates (u, v) at depth d with colour (r, g, b) in [-1, 1] standing for a block
    /// of <paramref name="step"/> pixels: position, zero normal, f_dc, opacity, log scales, rotation.
    /// </summary>
    public static void Record(Geometry.Camera cam, double u, double v, double d, double r, double g, double b, int step, float opacity, Span<float> into)
    {
        double x = (u - cam.Cx) / cam.Fx * d, y = (v - cam.Cy) / cam.Fy * d;
        double Dc(double c) => ((c + 1) / 2 - 0.5) / ShC0;
        var across = Math.Log(FootprintScale * step * d / Math.Max(cam.Fx, cam.Fy));
        var along = across + Math.Log(0.1);
        // The quaternion taking +z to the unit ray r: (1 + r.z, z x r) normalised = (1 + rz, -ry, rx, 0) / norm.
        var len = Math.Sqrt(x * x + y * y + d * d);
        double rx = x / len, ry = y / len, rz = d / len;
        double qw = 1 + rz, qx = -ry, qy = rx, qz = 0;
        var qn = Math.Sqrt(qw * qw + qx * qx + qy * qy + qz * qz);
        float[] all = [(float)x, (float)y, (float)d, 0, 0, 0, (float)Dc(r), (float)Dc(g), (float)Dc(b), opacity,
            (float)across, (float)across, (float)along, (float)(qw / qn), (float)(qx / qn), (float)(qy / qn), (float)(qz / qn)];
        all.CopyTo(into);
    }
}
