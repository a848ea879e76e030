using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>
/// Ray caster for <see cref="Scene"/>s: analytic intersections, Lambertian shading with ambient light, a point light
/// with hard shadows and unshadowed directional fill light, supersampling on a fixed low-discrepancy pattern. Every pixel is a pure function of scene, camera and
/// spp, so the bytes do not depend on threads. Depth is the camera z of the pixel-centre ray.
/// </summary>
public static class Renderer
{
    /// <summary>Renders a view; <paramref name="parallel"/> spreads rows over cores (off when views are rendered in parallel instead).</summary>
    public static RenderedView Render(Scene scene, Camera camera, int spp = 4, bool parallel = true)
    {
        if (spp < 1) throw new ArgumentException($"samples per pixel must be at least 1, got {spp}");
        int w = camera.Width, h = camera.Height;
        var rgb = new float[w * h * 3];
        var depth = new float[w * h];
        var offsets = SampleOffsets(spp);
        if (parallel) Parallel.For(0, h, y => RenderRow(scene, camera, offsets, y, rgb, depth));
        else for (int y = 0; y < h; y++) RenderRow(scene, camera, offsets, y, rgb, depth);
        return new RenderedView(camera, rgb, depth);
    }

    /// <summary>Depth only (pixel-centre rays, no shading): for covisibility checks at low resolution.</summary>
    public static float[] RenderDepth(Scene scene, Camera camera)
    {
        int w = camera.Width, h = camera.Height;
        var depth = new float[w * h];
        var rt = camera.R.Transpose();
        var origin = camera.Position;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var d = rt * new Vec3((x + 0.5 - camera.Cx) / camera.Fx, (y + 0.5 - camera.Cy) / camera.Fy, 1);
                var len = d.Length;
                depth[y * w + x] = (float)(scene.Intersect(origin, d / len).T / len);
            }
        return depth;
    }

    /// <summary>
    /// Sub-pixel offsets: the pixel centre first (its hit also gives the depth), then the R2 sequence
    /// (Roberts 2018), a low-discrepancy pattern in [0, 1)^2.
    /// </summary>
    static (double X, double Y)[] SampleOffsets(int spp)
    {
        const double a1 = 0.7548776662466927, a2 = 0.5698402909980532;
        var o = new (double, double)[spp];
        o[0] = (0.5, 0.5);
        for (int s = 1; s < spp; s++) o[s] = (Frac(0.5 + a1 * s), Frac(0.5 + a2 * s));
        return o;
    }

    static double Frac(double x) => x - Math.Floor(x);

    static void RenderRow(Scene scene, Camera camera, (double X, double Y)[] offsets, int y, float[] rgb, float[] depth)
    {
        var rt = camera.R.Transpose();
        var origin = camera.Position;
        int w = camera.Width;
        double fx = camera.Fx, fy = camera.Fy, cx = camera.Cx, cy = camera.Cy;
        var inv = 1.0 / offsets.Length;
        for (int x = 0; x < w; x++)
        {
            var sum = Vec3.Zero;
            var i = y * w + x;
            for (int s = 0; s < offsets.Length; s++)
            {
                var d = rt * new Vec3((x + offsets[s].X - cx) / fx, (y + offsets[s].Y - cy) / fy, 1);
                var len = d.Length;
                sum += Shade(scene, origin, d / len, out var t);
                // The centre ray's direction has camera z 1, so t / |d| is the camera z.
                if (s == 0) depth[i] = (float)(t / len);
            }
            rgb[3 * i] = (float)(sum.X * inv);
            rgb[3 * i + 1] = (float)(sum.Y * inv);
            rgb[3 * i + 2] = (float)(sum.Z * inv);
        }
    }

    /// <summary>Colour seen along a unit ray, each channel clamped to [0, 1].</summary>
    static Vec3 Shade(Scene scene, in Vec3 origin, in Vec3 dir, out double t)
    {
        var hit = scene.Intersect(origin, dir);
        t = hit.T;
        scene.Surface(hit, out var albedo, out var n);
        if (Vec3.Dot(n, dir) > 0) n = -n;
        var p = hit.Point + n * 1e-5;
        var light = new Vec3(scene.Ambient, scene.Ambient, scene.Ambient);
        foreach (var l in scene.Lights)
        {
            if (!l.IsPoint)
            {
                // Directional lights are soft fill light: no shadow rays, which keeps rendering cheap.
                var ndf = Vec3.Dot(n, l.Vector);
                if (ndf > 0) light += l.Color * ndf;
                continue;
            }
            var toLight = l.Vector - p;
            var dist = toLight.Length;
            toLight /= dist;
            var ndl = Vec3.Dot(n, toLight);
            if (ndl <= 0 || scene.Occluded(p, toLight, dist)) continue;
            // Inverse-square falloff, capped within a metre so surfaces next to the lamp do not blow out.
            light += l.Color * (ndl / Math.Max(dist * dist, 1.5));
        }
        var c = albedo * light;
        return new Vec3(Math.Min(c.X, 1), Math.Min(c.Y, 1), Math.Min(c.Z, 1));
    }
}
