using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>
/// Renders a <see cref="LayeredScene"/> from any camera on the CPU: each layer's <see cref="LayerMesh"/> (one vertex per
/// pixel) is rasterised with a z-buffer, sampling pixel centres, attributes interpolated perspective-correctly
/// (barycentrics weighted by 1/z), both faces drawn; the nearest surface's texture coordinate is then shaded with a
/// bilinear lookup of its layer's colour that weighs only valid texels. Rows are cut into bands rendered in parallel,
/// each band drawing the triangles binned to it, so the result does not depend on threads. Seen from the source
/// camera, every pixel centre is a vertex of layer 0 and the render is the photo itself.
/// Meshes and textures are built once per renderer: render many cameras with one instance.
/// </summary>
public sealed class LayeredSceneRenderer
{
    const int BandRows = 16;
    // Pixel centres on a triangle's edge (or a shared vertex) count as inside, to within float error.
    const float InsideTolerance = 1e-5f;
    /// <summary>Surfaces nearer to the camera than this (metres) are not drawn.</summary>
    public const double NearPlane = 1e-3;

    readonly LayeredScene scene;
    readonly LayerMesh[] meshes;
    readonly float[][] colours;
    readonly float[][] valids;

    public LayeredSceneRenderer(LayeredScene scene, double threshold = LayerMesh.DefaultThreshold)
    {
        this.scene = scene;
        meshes = [.. scene.Layers.Select(l => LayerMesh.Build(l, scene.Camera, 1, threshold))];
        colours = [.. scene.Layers.Select(l => l.Rgb.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray())];
        valids = [.. scene.Layers.Select(l => l.Valid.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray())];
    }

    /// <summary>Renders <paramref name="scene"/> from <paramref name="target"/> (see <see cref="Render(Camera)"/>).</summary>
    public static (Tensor Rgb, Tensor Coverage) Render(LayeredScene scene, Camera target) => new LayeredSceneRenderer(scene).Render(target);

    /// <summary>
    /// The view from <paramref name="target"/> (its own size and intrinsics; pose in the scene's world): colour
    /// [3,H,W] in [-1, 1] (0 where nothing is seen) and coverage [H,W] (1 where some layer is seen).
    /// </summary>
    public (Tensor Rgb, Tensor Coverage) Render(Camera target)
    {
        CameraChecks.Require(target, "target camera");
        int w = target.Width, h = target.Height;
        var rel = scene.Camera.RelativeTo(target);
        // Vertices in the target's pixels: (x, y, z) with x, y continuous pixel coordinates.
        var screen = meshes.Select(m => Project(m, rel, target)).ToArray();
        var bands = (h + BandRows - 1) / BandRows;
        var binned = Bin(screen, bands, h, w);
        var zbuf = new float[w * h];
        Array.Fill(zbuf, float.PositiveInfinity);
        var layerOf = new int[w * h];
        Array.Fill(layerOf, -1);
        var texU = new float[w * h];
        var texV = new float[w * h];
        Parallel.For(0, bands, b =>
        {
            int y0 = b * BandRows, y1 = Math.Min(h, y0 + BandRows);
            foreach (var (l, t) in binned[b]) Raster(meshes[l], screen[l], l, t, y0, y1, w, zbuf, layerOf, texU, texV);
        });
        var rgb = new float[3 * w * h];
        var coverage = new float[w * h];
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                var i = y * w + x;
                var l = layerOf[i];
                if (l < 0) continue;
                coverage[i] = 1;
                Sample(colours[l], valids[l], scene.Width, scene.Height, texU[i], texV[i], rgb, i, w * h);
            }
        });
        return (tensor(rgb, [3, h, w]), tensor(coverage, [h, w]));
    }

    static float[] Project(LayerMesh mesh, RigidTransform rel, Camera target)
    {
        var p = mesh.Positions;
        var s = new float[p.Length];
        for (int i = 0; i < p.Length; i += 3)
        {
            var q = rel.Apply(new Vec3(p[i], p[i + 1], p[i + 2]));
            s[i + 2] = (float)q.Z;
            if (q.Z <= NearPlane) continue;
            s[i] = (float)(target.Fx * q.X / q.Z + target.Cx);
            s[i + 1] = (float)(target.Fy * q.Y / q.Z + target.Cy);
        }
        return s;
    }

    // Each triangle goes to every band its pixel-centre rows touch; triangles behind the near plane or off screen to none.
    List<(int Layer, int Triangle)>[] Bin(float[][] screen, int bands, int h, int w)
    {
        var bins = new List<(int, int)>[bands];
        for (int b = 0; b < bands; b++) bins[b] = [];
        for (int l = 0; l < meshes.Length; l++)
        {
            var idx = meshes[l].Indices;
            var s = screen[l];
            for (int t = 0; t < idx.Length / 3; t++)
            {
                int a = 3 * idx[3 * t], b = 3 * idx[3 * t + 1], c = 3 * idx[3 * t + 2];
                if (s[a + 2] <= NearPlane || s[b + 2] <= NearPlane || s[c + 2] <= NearPlane) continue;
                float minX = Math.Min(s[a], Math.Min(s[b], s[c])), maxX = Math.Max(s[a], Math.Max(s[b], s[c]));
                float minY = Math.Min(s[a + 1], Math.Min(s[b + 1], s[c + 1])), maxY = Math.Max(s[a + 1], Math.Max(s[b + 1], s[c + 1]));
                int ry0 = Math.Max(0, (int)MathF.Ceiling(minY - 0.5f - InsideTolerance)), ry1 = Math.Min(h - 1, (int)MathF.Floor(maxY - 0.5f + InsideTolerance));
                int rx0 = Math.Max(0, (int)MathF.Ceiling(minX - 0.5f - InsideTolerance)), rx1 = Math.Min(w - 1, (int)MathF.Floor(maxX - 0.5f + InsideTolerance));
                if (ry0 > ry1 || rx0 > rx1) continue;
                for (int band = ry0 / BandRows; band <= ry1 / BandRows; band++) bins[band].Add((l, t));
            }
        }
        return bins;
    }

    static void Raster(LayerMesh mesh, float[] s, int layer, int t, int y0, int y1, int w, float[] zbuf, int[] layerOf, float[] texU, float[] texV)
    {
        var idx = mesh.Indices;
        int ia = idx[3 * t], ib = idx[3 * t + 1], ic = idx[3 * t + 2];
        float ax = s[3 * ia], ay = s[3 * ia + 1], az = s[3 * ia + 2];
        float bx = s[3 * ib], by = s[3 * ib + 1], bz = s[3 * ib + 2];
        float cx = s[3 * ic], cy = s[3 * ic + 1], cz = s[3 * ic + 2];
        var area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
        if (MathF.Abs(area) < 1e-12f) return;
        var inv = 1 / area;
        float minX = Math.Min(ax, Math.Min(bx, cx)), maxX = Math.Max(ax, Math.Max(bx, cx));
        float minY = Math.Min(ay, Math.Min(by, cy)), maxY = Math.Max(ay, Math.Max(by, cy));
        int ry0 = Math.Max(y0, (int)MathF.Ceiling(minY - 0.5f - InsideTolerance)), ry1 = Math.Min(y1 - 1, (int)MathF.Floor(maxY - 0.5f + InsideTolerance));
        int rx0 = Math.Max(0, (int)MathF.Ceiling(minX - 0.5f - InsideTolerance)), rx1 = Math.Min(w - 1, (int)MathF.Floor(maxX - 0.5f + InsideTolerance));
        var pix = mesh.Pixels;
        float iza = 1 / az, izb = 1 / bz, izc = 1 / cz;
        float uaz = pix[2 * ia] * iza, ubz = pix[2 * ib] * izb, ucz = pix[2 * ic] * izc;
        float vaz = pix[2 * ia + 1] * iza, vbz = pix[2 * ib + 1] * izb, vcz = pix[2 * ic + 1] * izc;
        for (int y = ry0; y <= ry1; y++)
        {
            var py = y + 0.5f;
            for (int x = rx0; x <= rx1; x++)
            {
                var px = x + 0.5f;
                // Barycentrics of the pixel centre (screen space), then weighted by 1/z for perspective-correct values.
                var l1 = ((px - ax) * (cy - ay) - (py - ay) * (cx - ax)) * inv;
                var l2 = ((bx - ax) * (py - ay) - (by - ay) * (px - ax)) * inv;
                var l0 = 1 - l1 - l2;
                if (l0 < -InsideTolerance || l1 < -InsideTolerance || l2 < -InsideTolerance) continue;
                var iz = l0 * iza + l1 * izb + l2 * izc;
                var z = 1 / iz;
                var i = y * w + x;
                if (z >= zbuf[i]) continue;
                zbuf[i] = z;
                layerOf[i] = layer;
                texU[i] = (l0 * uaz + l1 * ubz + l2 * ucz) * z;
                texV[i] = (l0 * vaz + l1 * vbz + l2 * vcz) * z;
            }
        }
    }

    // Bilinear lookup at continuous pixel coordinates (u, v) (texel centres at i + 0.5) over valid texels only.
    static void Sample(float[] rgb, float[] valid, int w, int h, float u, float v, float[] into, int i, int plane)
    {
        float fx = u - 0.5f, fy = v - 0.5f;
        int x0 = (int)MathF.Floor(fx), y0 = (int)MathF.Floor(fy);
        float ax = fx - x0, ay = fy - y0;
        float r = 0, g = 0, b = 0, sum = 0;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int x = Math.Clamp(x0 + dx, 0, w - 1), y = Math.Clamp(y0 + dy, 0, h - 1);
                var k = y * w + x;
                var wt = (dx == 0 ? 1 - ax : ax) * (dy == 0 ? 1 - ay : ay) * valid[k];
                if (wt <= 0) continue;
                r += wt * rgb[k];
                g += wt * rgb[w * h + k];
                b += wt * rgb[2 * w * h + k];
                sum += wt;
            }
        if (sum <= 0)
        {
            var k = Math.Clamp((int)v, 0, h - 1) * w + Math.Clamp((int)u, 0, w - 1);
            (r, g, b, sum) = (rgb[k], rgb[w * h + k], rgb[2 * w * h + k], 1);
        }
        into[i] = r / sum;
        into[plane + i] = g / sum;
        into[2 * plane + i] = b / sum;
    }
}
