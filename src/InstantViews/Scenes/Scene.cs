using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>Where a ray first meets the scene: distance, the primitive (-1..-6 = room face) and the point.</summary>
public struct Hit
{
    public double T;
    public int Index;
    public Vec3 Point;
}

/// <summary>
/// A room [0, Size.X] x [0, Size.Y] x [0, Size.Z] (y up, floor at y = 0) seen from inside, the objects in it,
/// their textures and the lights. Immutable after generation, so one scene can be rendered from many threads.
/// </summary>
public sealed class Scene
{
    public long Seed { get; }
    public Vec3 Size { get; }
    public Primitive[] Objects { get; }
    /// <summary>Textures of floor, ceiling, walls x=0, x=max, z=0, z=max.</summary>
    public Texture[] RoomTextures { get; }
    public Texture[] ObjectTextures { get; }
    public Light[] Lights { get; }
    public double Ambient { get; }

    public Scene(long seed, Vec3 size, Primitive[] objects, Texture[] roomTextures, Texture[] objectTextures, Light[] lights, double ambient)
    {
        if (roomTextures.Length != 6) throw new ArgumentException("a room needs six face textures");
        Seed = seed;
        Size = size;
        Objects = objects;
        RoomTextures = roomTextures;
        ObjectTextures = objectTextures;
        Lights = lights;
        Ambient = ambient;
    }

    /// <summary>Closest surface along a normalised ray from inside the room (the room always stops it).</summary>
    public Hit Intersect(in Vec3 origin, in Vec3 dir)
    {
        double t = double.PositiveInfinity;
        int face = 0;
        RoomAxis(origin.X, dir.X, Size.X, 2, ref t, ref face);
        RoomAxis(origin.Y, dir.Y, Size.Y, 0, ref t, ref face);
        RoomAxis(origin.Z, dir.Z, Size.Z, 4, ref t, ref face);
        var index = -1 - face;
        var objects = Objects;
        for (int i = 0; i < objects.Length; i++)
        {
            var ti = objects[i].Intersect(origin, dir, 1e-6, t);
            if (ti < t) { t = ti; index = i; }
        }
        return new Hit { T = t, Index = index, Point = origin + t * dir };
    }

    static void RoomAxis(double o, double d, double size, int baseFace, ref double t, ref int face)
    {
        if (d > 1e-12) { var ti = (size - o) / d; if (ti < t) { t = ti; face = baseFace + 1; } }
        else if (d < -1e-12) { var ti = -o / d; if (ti < t) { t = ti; face = baseFace; } }
    }

    /// <summary>True when an object blocks the segment from <paramref name="origin"/> over <paramref name="distance"/> (the room casts no shadows).</summary>
    public bool Occluded(in Vec3 origin, in Vec3 dir, double distance)
    {
        var objects = Objects;
        for (int i = 0; i < objects.Length; i++)
            if (objects[i].Intersect(origin, dir, 1e-4, distance) < distance) return true;
        return false;
    }

    /// <summary>Albedo and inward-facing normal at a hit.</summary>
    public void Surface(in Hit hit, out Vec3 albedo, out Vec3 normal)
    {
        var p = hit.Point;
        if (hit.Index >= 0)
        {
            ref readonly var prim = ref Objects[hit.Index];
            prim.Surface(p, out normal, out var u, out var v);
            albedo = ObjectTextures[prim.Material].Sample(u, v);
            return;
        }
        var face = -1 - hit.Index;
        (normal, var fu, var fv) = face switch
        {
            0 => (new Vec3(0, 1, 0), p.X, p.Z),
            1 => (new Vec3(0, -1, 0), p.X, p.Z),
            2 => (new Vec3(1, 0, 0), p.Z, p.Y),
            3 => (new Vec3(-1, 0, 0), p.Z, p.Y),
            4 => (new Vec3(0, 0, 1), p.X, p.Y),
            _ => (new Vec3(0, 0, -1), p.X, p.Y),
        };
        albedo = RoomTextures[face].Sample(fu, fv);
    }

    /// <summary>True when <paramref name="p"/> is inside the room and at least <paramref name="margin"/> from walls and objects.</summary>
    public bool IsFree(Vec3 p, double margin)
    {
        if (p.X < margin || p.Y < margin || p.Z < margin || p.X > Size.X - margin || p.Y > Size.Y - margin || p.Z > Size.Z - margin) return false;
        foreach (var o in Objects)
            if (o.Near(p, margin)) return false;
        return true;
    }

    /// <summary>True when every point of the segment a-b is free (checked every 2 cm).</summary>
    public bool IsFreePath(Vec3 a, Vec3 b, double margin)
    {
        var steps = Math.Max(1, (int)Math.Ceiling((b - a).Length / 0.02));
        for (int i = 0; i <= steps; i++)
            if (!IsFree(Vec3.Lerp(a, b, (double)i / steps), margin)) return false;
        return true;
    }
}
