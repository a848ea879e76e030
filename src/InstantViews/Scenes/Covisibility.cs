using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>How much of a target view a source view also sees, from ground-truth depth of both.</summary>
public static class Covisibility
{
    /// <summary>
    /// Fraction of target pixels whose surface point projects inside the source image, in front of it, with a
    /// depth that agrees with the source depth there within <paramref name="tolerance"/> (relative).
    /// </summary>
    public static double Compute(Camera source, ReadOnlySpan<float> sourceDepth, Camera target, ReadOnlySpan<float> targetDepth, double tolerance = 0.03)
    {
        var toSource = target.RelativeTo(source);
        int w = target.Width, h = target.Height, sw = source.Width, sh = source.Height;
        long seen = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double z = targetDepth[y * w + x];
                if (!(z > 0) || double.IsInfinity(z)) continue;
                var pc = new Vec3((x + 0.5 - target.Cx) / target.Fx * z, (y + 0.5 - target.Cy) / target.Fy * z, z);
                var ps = toSource.Apply(pc);
                if (ps.Z <= 1e-6) continue;
                double u = source.Fx * ps.X / ps.Z + source.Cx, v = source.Fy * ps.Y / ps.Z + source.Cy;
                if (u < 0 || v < 0 || u >= sw || v >= sh) continue;
                var ds = sourceDepth[(int)v * sw + (int)u];
                if (Math.Abs(ds - ps.Z) <= tolerance * ps.Z) seen++;
            }
        return (double)seen / (w * h);
    }

    public static double Compute(RenderedView source, RenderedView target, double tolerance = 0.03) =>
        Compute(source.Camera, source.Depth, target.Camera, target.Depth, tolerance);
}
