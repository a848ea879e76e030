using InstantViews.Geometry;

namespace InstantViews.NovelViews;

/// <summary>
/// Intermediate cameras between two poses (rotation by quaternion slerp, camera centre linearly), for stepped
/// generation through large moves (the released model's advice: move in small steps, feeding outputs back).
/// </summary>
public static class PoseInterpolation
{
    /// <summary>The rotation angle in degrees between two cameras' orientations.</summary>
    public static double AngleDegrees(Camera a, Camera b)
    {
        var rel = a.R.Transpose() * b.R;
        var cos = Math.Clamp((rel.M00 + rel.M11 + rel.M22 - 1) / 2, -1, 1);
        return Math.Acos(cos) * 180 / Math.PI;
    }

    /// <summary>The camera a fraction <paramref name="t"/> of the way from <paramref name="a"/> to <paramref name="b"/> (intrinsics of b).</summary>
    public static Camera Interpolate(Camera a, Camera b, double t)
    {
        var qa = Quaternion(a.R);
        var qb = Quaternion(b.R);
        var dot = qa.Zip(qb, (x, y) => x * y).Sum();
        if (dot < 0) { qb = qb.Select(x => -x).ToArray(); dot = -dot; }
        double[] q;
        if (dot > 0.9995) q = qa.Zip(qb, (x, y) => x + t * (y - x)).ToArray();
        else
        {
            var theta = Math.Acos(dot);
            double wa = Math.Sin((1 - t) * theta) / Math.Sin(theta), wb = Math.Sin(t * theta) / Math.Sin(theta);
            q = qa.Zip(qb, (x, y) => wa * x + wb * y).ToArray();
        }
        var norm = Math.Sqrt(q.Sum(x => x * x));
        var r = Rotation(q.Select(x => x / norm).ToArray());
        var pa = a.Position;
        var pb = b.Position;
        var centre = pa + (pb - pa) * t;
        return b with { R = r, T = -(r * centre) };
    }

    /// <summary>Cameras after the source up to and including the target, each at most <paramref name="maxStepDegrees"/> of rotation apart (just the target when 0).</summary>
    public static IReadOnlyList<Camera> Steps(Camera source, Camera target, double maxStepDegrees)
    {
        var n = maxStepDegrees > 0 ? Math.Max(1, (int)Math.Ceiling(AngleDegrees(source, target) / maxStepDegrees - 1e-9)) : 1;
        return Enumerable.Range(1, n).Select(i => i == n ? target : Interpolate(source, target, (double)i / n)).ToList();
    }

    // Rotation matrix <-> unit quaternion (w, x, y, z), Shepperd's method for stability.
    static double[] Quaternion(Mat3 m)
    {
        var tr = m.M00 + m.M11 + m.M22;
        if (tr > 0)
        {
            var s = Math.Sqrt(tr + 1) * 2;
            return [s / 4, (m.M21 - m.M12) / s, (m.M02 - m.M20) / s, (m.M10 - m.M01) / s];
        }
        if (m.M00 > m.M11 && m.M00 > m.M22)
        {
            var s = Math.Sqrt(1 + m.M00 - m.M11 - m.M22) * 2;
            return [(m.M21 - m.M12) / s, s / 4, (m.M01 + m.M10) / s, (m.M02 + m.M20) / s];
        }
        if (m.M11 > m.M22)
        {
            var s = Math.Sqrt(1 + m.M11 - m.M00 - m.M22) * 2;
            return [(m.M02 - m.M20) / s, (m.M01 + m.M10) / s, s / 4, (m.M12 + m.M21) / s];
        }
        var s2 = Math.Sqrt(1 + m.M22 - m.M00 - m.M11) * 2;
        return [(m.M10 - m.M01) / s2, (m.M02 + m.M20) / s2, (m.M12 + m.M21) / s2, s2 / 4];
    }

    static Mat3 Rotation(double[] q)
    {
        double w = q[0], x = q[1], y = q[2], z = q[3];
        return new Mat3(
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y));
    }
}
