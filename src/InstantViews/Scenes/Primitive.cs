using InstantViews.Geometry;

namespace InstantViews.Scenes;

public enum Shape : byte { Sphere, Box, Cylinder }

/// <summary>
/// An analytic solid: a sphere (radius), a box (half extents, turned by a yaw about +y) or a vertical cylinder
/// (radius, half height, turned by a yaw). Ray tests run in the primitive's local frame.
/// </summary>
public readonly struct Primitive
{
    public readonly Shape Shape;
    public readonly Vec3 Center;
    /// <summary>Box half extents; for a cylinder (radius, half height, radius); for a sphere (radius, radius, radius).</summary>
    public readonly Vec3 Half;
    public readonly double Yaw;
    public readonly int Material;
    readonly double cos, sin;
    /// <summary>World-space bounds, for free-space checks of camera paths.</summary>
    public readonly Vec3 Min, Max;

    public Primitive(Shape shape, Vec3 center, Vec3 half, double yaw, int material)
    {
        Shape = shape;
        Center = center;
        Half = half;
        Yaw = yaw;
        Material = material;
        cos = Math.Cos(yaw);
        sin = Math.Sin(yaw);
        var ex = shape == Shape.Box ? Math.Abs(cos) * half.X + Math.Abs(sin) * half.Z : half.X;
        var ez = shape == Shape.Box ? Math.Abs(sin) * half.X + Math.Abs(cos) * half.Z : half.Z;
        Min = center - new Vec3(ex, half.Y, ez);
        Max = center + new Vec3(ex, half.Y, ez);
    }

    public static Primitive Sphere(Vec3 center, double radius, int material) => new(Shape.Sphere, center, new(radius, radius, radius), 0, material);

    public static Primitive Box(Vec3 center, Vec3 half, double yaw, int material) => new(Shape.Box, center, half, yaw, material);

    public static Primitive Cylinder(Vec3 center, double radius, double halfHeight, int material) => new(Shape.Cylinder, center, new(radius, halfHeight, radius), 0, material);

    /// <summary>World to local (undo the yaw): the inverse of <see cref="ToWorld"/>.</summary>
    Vec3 ToLocal(Vec3 d) => new(cos * d.X - sin * d.Z, d.Y, sin * d.X + cos * d.Z);

    Vec3 ToWorld(Vec3 d) => new(cos * d.X + sin * d.Z, d.Y, -sin * d.X + cos * d.Z);

    /// <summary>Nearest hit distance in (tMin, tMax) along a normalised ray, or +inf.</summary>
    public double Intersect(in Vec3 origin, in Vec3 dir, double tMin, double tMax)
    {
        if (Shape == Shape.Sphere)
        {
            var oc = origin - Center;
            var b = Vec3.Dot(oc, dir);
            var c = Vec3.Dot(oc, oc) - Half.X * Half.X;
            var disc = b * b - c;
            if (disc < 0) return double.PositiveInfinity;
            var sq = Math.Sqrt(disc);
            var t = -b - sq;
            if (t > tMin && t < tMax) return t;
            t = -b + sq;
            return t > tMin && t < tMax ? t : double.PositiveInfinity;
        }
        var o = ToLocal(origin - Center);
        var d = ToLocal(dir);
        if (Shape == Shape.Box) return SlabHit(o, d, Half, tMin, tMax);
        return CylinderHit(o, d, Half.X, Half.Y, tMin, tMax);
    }

    static double SlabHit(Vec3 o, Vec3 d, Vec3 h, double tMin, double tMax)
    {
        double t0 = tMin, t1 = tMax;
        if (!Slab(o.X, d.X, h.X, ref t0, ref t1) || !Slab(o.Y, d.Y, h.Y, ref t0, ref t1) || !Slab(o.Z, d.Z, h.Z, ref t0, ref t1))
            return double.PositiveInfinity;
        // Rays starting inside see the exit face (only happens for shadow rays grazing a surface).
        return t0 > tMin ? t0 : t1 < tMax ? t1 : double.PositiveInfinity;
    }

    static bool Slab(double o, double d, double h, ref double t0, ref double t1)
    {
        if (Math.Abs(d) < 1e-12) return o >= -h && o <= h;
        var inv = 1 / d;
        double a = (-h - o) * inv, b = (h - o) * inv;
        if (a > b) (a, b) = (b, a);
        if (a > t0) t0 = a;
        if (b < t1) t1 = b;
        return t0 <= t1;
    }

    static double CylinderHit(Vec3 o, Vec3 d, double r, double h, double tMin, double tMax)
    {
        var best = double.PositiveInfinity;
        var a = d.X * d.X + d.Z * d.Z;
        if (a > 1e-12)
        {
            var b = o.X * d.X + o.Z * d.Z;
            var c = o.X * o.X + o.Z * o.Z - r * r;
            var disc = b * b - a * c;
            if (disc >= 0)
            {
                var sq = Math.Sqrt(disc);
                for (int k = 0; k < 2; k++)
                {
                    var t = (-b + (k == 0 ? -sq : sq)) / a;
                    if (t > tMin && t < tMax && t < best && Math.Abs(o.Y + t * d.Y) <= h) { best = t; break; }
                }
            }
        }
        if (Math.Abs(d.Y) > 1e-12)
        {
            for (int k = 0; k < 2; k++)
            {
                var t = ((k == 0 ? -h : h) - o.Y) / d.Y;
                if (t <= tMin || t >= tMax || t >= best) continue;
                double x = o.X + t * d.X, z = o.Z + t * d.Z;
                if (x * x + z * z <= r * r) best = t;
            }
        }
        return best;
    }

    /// <summary>Outward normal and texture coordinates (metres) at a world point on the surface.</summary>
    public void Surface(in Vec3 p, out Vec3 normal, out double u, out double v)
    {
        var l = ToLocal(p - Center);
        Vec3 n;
        if (Shape == Shape.Sphere)
        {
            n = l / Half.X;
            u = Math.Atan2(l.X, l.Z) * Half.X;
            v = l.Y;
        }
        else if (Shape == Shape.Cylinder)
        {
            if (Math.Abs(Math.Abs(l.Y) - Half.Y) < 1e-6 * (1 + Half.Y)) { n = new(0, Math.Sign(l.Y), 0); u = l.X; v = l.Z; }
            else { n = new Vec3(l.X, 0, l.Z) / Half.X; u = Math.Atan2(l.X, l.Z) * Half.X; v = l.Y; }
        }
        else
        {
            // The face is the axis where the point is closest to the box's extent.
            double dx = Math.Abs(Math.Abs(l.X) - Half.X), dy = Math.Abs(Math.Abs(l.Y) - Half.Y), dz = Math.Abs(Math.Abs(l.Z) - Half.Z);
            if (dx <= dy && dx <= dz) { n = new(Math.Sign(l.X), 0, 0); u = l.Z; v = l.Y; }
            else if (dy <= dz) { n = new(0, Math.Sign(l.Y), 0); u = l.X; v = l.Z; }
            else { n = new(0, 0, Math.Sign(l.Z)); u = l.X; v = l.Y; }
        }
        normal = ToWorld(n);
    }

    /// <summary>True when <paramref name="p"/> is within <paramref name="margin"/> of the bounds.</summary>
    public bool Near(Vec3 p, double margin) =>
        p.X > Min.X - margin && p.X < Max.X + margin && p.Y > Min.Y - margin && p.Y < Max.Y + margin && p.Z > Min.Z - margin && p.Z < Max.Z + margin;
}
