using InstantViews.Geometry;

namespace InstantViews.Scenes;

public enum TextureKind { Plain, Checkers, Stripes, Tiles, Wood, Marble, Gradient, Patches, Photo }

/// <summary>
/// A procedural texture over surface coordinates (u, v) in metres: two or three colours, a feature scale
/// (features per metre) and an angle. Value noise is hashed from integer lattice points, so it needs no tables.
/// A <see cref="TextureKind.Photo"/> texture shows <see cref="Photo"/>, Scale image widths per metre, tinted by A.
/// </summary>
public readonly record struct Texture(TextureKind Kind, Vec3 A, Vec3 B, Vec3 C, double Scale, double Angle, uint Salt)
{
    // The rotation is cached (the renderer samples millions of times) and kept in step by Angle's init.
    readonly double angle = Angle, cs = Math.Cos(Angle), sn = Math.Sin(Angle);

    public double Angle
    {
        get => angle;
        init
        {
            angle = value;
            cs = Math.Cos(value);
            sn = Math.Sin(value);
        }
    }

    /// <summary>The photograph of a <see cref="TextureKind.Photo"/> texture.</summary>
    public PhotoImage? Photo { get; init; }

    public Vec3 Sample(double u, double v)
    {
        double s = (u * cs - v * sn) * Scale, t = (u * sn + v * cs) * Scale;
        switch (Kind)
        {
            case TextureKind.Checkers:
                return (((long)Math.Floor(s) + (long)Math.Floor(t)) & 1) == 0 ? A : B;
            case TextureKind.Stripes:
                return s - Math.Floor(s) < 0.5 ? A : B;
            case TextureKind.Tiles:
                {
                    double fs = s - Math.Floor(s), ft = t - Math.Floor(t);
                    if (fs < 0.06 || ft < 0.06) return C;
                    var h = Hash((int)Math.Floor(s), (int)Math.Floor(t));
                    return Vec3.Lerp(A, B, h);
                }
            case TextureKind.Wood:
                {
                    var r = Math.Sqrt(s * s * 0.05 + t * t) * 4 + 1.5 * Fbm(s * 2, t * 0.5);
                    var ring = r - Math.Floor(r);
                    return Vec3.Lerp(A, B, ring * ring);
                }
            case TextureKind.Marble:
                {
                    var m = 0.5 + 0.5 * Math.Sin(s * 2 + 6 * Fbm(s, t));
                    return Vec3.Lerp(A, B, Math.Pow(m, 3));
                }
            case TextureKind.Gradient:
                {
                    var g = 0.5 + 0.5 * Math.Sin(t * 0.5);
                    return Vec3.Lerp(A, B, g);
                }
            case TextureKind.Patches:
                {
                    var h = Hash((int)Math.Floor(s + 0.7 * Fbm(s, t)), (int)Math.Floor(t));
                    return h < 0.33 ? A : h < 0.66 ? B : C;
                }
            case TextureKind.Photo:
                {
                    // v grows upwards on walls and image rows downwards: flip t so photos stand upright.
                    var c = Photo!.Sample(s + B.X, B.Y - t);
                    return new Vec3(c.X * A.X, c.Y * A.Y, c.Z * A.Z);
                }
            default:
                return A;
        }
    }

    double Hash(int x, int y)
    {
        var h = SceneRandom.Mix(((ulong)(uint)x << 32 | (uint)y) ^ ((ulong)Salt << 17));
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Bilinear value noise with a smoothstep fade, in [0, 1).</summary>
    double Noise(double x, double y)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y);
        int ix = (int)fx, iy = (int)fy;
        double tx = x - fx, ty = y - fy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        double a = Hash(ix, iy), b = Hash(ix + 1, iy), c = Hash(ix, iy + 1), d = Hash(ix + 1, iy + 1);
        return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
    }

    /// <summary>Three octaves of value noise.</summary>
    double Fbm(double x, double y) => 0.5 * Noise(x, y) + 0.25 * Noise(2.03 * x + 17, 2.03 * y) + 0.125 * Noise(4.1 * x, 4.1 * y + 31);
}
