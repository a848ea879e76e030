using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>Builds a <see cref="Scene"/> from a seed: room, textured objects and occluders, lights. Same seed, same scene.</summary>
public static class SceneGenerator
{
    public static Scene Generate(long seed, SceneConfig? config = null)
    {
        var cfg = config ?? new SceneConfig();
        var rng = new SceneRandom(seed, stream: 1);
        var size = new Vec3(rng.Uniform(cfg.MinRoomSide, cfg.MaxRoomSide), rng.Uniform(cfg.MinRoomHeight, cfg.MaxRoomHeight), rng.Uniform(cfg.MinRoomSide, cfg.MaxRoomSide));
        var room = new Texture[6];
        // Walls share a texture family more often than not, as real rooms do.
        var wall = RandomTexture(rng, 0.8);
        room[0] = RandomTexture(rng, 1.0);
        room[1] = RandomTexture(rng, 0.5) with { Kind = rng.Chance(0.6) ? TextureKind.Plain : TextureKind.Gradient };
        for (int f = 2; f < 6; f++) room[f] = rng.Chance(0.6) ? wall with { Salt = (uint)f } : RandomTexture(rng, 0.8);

        var textures = new List<Texture>();
        var objects = new List<Primitive>();
        var count = rng.Next(cfg.MinObjects, cfg.MaxObjects + 1);
        for (int i = 0; i < count; i++)
        {
            var material = textures.Count;
            textures.Add(RandomTexture(rng, rng.Uniform(0.6, 1.2)));
            // A third of the objects stand in front of a wall: occluders whose parallax opens and closes holes.
            var againstWall = rng.Chance(0.35);
            var pos = againstWall ? NearWall(rng, size) : new Vec3(rng.Uniform(0.8, size.X - 0.8), 0, rng.Uniform(0.8, size.Z - 0.8));
            AddObject(rng, objects, pos, material, textures, size);
        }
        var lights = new List<Light>
        {
            new(true, new Vec3(rng.Uniform(0.3, 0.7) * size.X, size.Y - 0.3, rng.Uniform(0.3, 0.7) * size.Z), Warm(rng) * rng.Uniform(5, 9)),
        };
        if (rng.Chance(0.7)) lights.Add(new(false, new Vec3(rng.Uniform(-1, 1), rng.Uniform(0.5, 1.5), rng.Uniform(-1, 1)).Normalized(), Warm(rng) * rng.Uniform(0.3, 0.6)));
        return new Scene(seed, size, objects.ToArray(), room, textures.ToArray(), lights.ToArray(), rng.Uniform(0.2, 0.35));
    }

    internal static Vec3 NearWall(SceneRandom rng, Vec3 size)
    {
        var along = rng.NextDouble();
        var off = rng.Uniform(0.4, 0.9);
        return rng.Next(0, 4) switch
        {
            0 => new(off, 0, 0.5 + along * (size.Z - 1)),
            1 => new(size.X - off, 0, 0.5 + along * (size.Z - 1)),
            2 => new(0.5 + along * (size.X - 1), 0, off),
            _ => new(0.5 + along * (size.X - 1), 0, size.Z - off),
        };
    }

    /// <summary>One object standing on the floor at <paramref name="at"/>: a box, sphere, cylinder, table, shelf or stack.</summary>
    internal static void AddObject(SceneRandom rng, List<Primitive> objects, Vec3 at, int material, List<Texture> textures, Vec3 room)
    {
        var yaw = rng.Uniform(0, Math.PI);
        var kind = rng.Next(0, 6);
        switch (kind)
        {
            case 0:
                {
                    var h = new Vec3(rng.Uniform(0.15, 0.5), rng.Uniform(0.15, 0.8), rng.Uniform(0.15, 0.5));
                    objects.Add(Primitive.Box(at + new Vec3(0, h.Y, 0), h, yaw, material));
                    break;
                }
            case 1:
                {
                    var r = rng.Uniform(0.15, 0.45);
                    // Some spheres float, as lamps or ornaments would.
                    var lift = rng.Chance(0.3) ? rng.Uniform(0.3, Math.Max(0.31, room.Y - 2 * r - 0.5)) : 0;
                    objects.Add(Primitive.Sphere(at + new Vec3(0, r + lift, 0), r, material));
                    break;
                }
            case 2:
                {
                    var r = rng.Uniform(0.1, 0.35);
                    var hh = rng.Uniform(0.2, 1.0);
                    objects.Add(Primitive.Cylinder(at + new Vec3(0, hh, 0), r, hh, material));
                    break;
                }
            case 3:
                {
                    // Table: a top on four legs.
                    double hx = rng.Uniform(0.35, 0.7), hz = rng.Uniform(0.3, 0.5), height = rng.Uniform(0.6, 0.9);
                    objects.Add(Primitive.Box(at + new Vec3(0, height, 0), new Vec3(hx, 0.03, hz), 0, material));
                    var legs = textures.Count;
                    textures.Add(RandomTexture(rng, 1.0));
                    foreach (var (sx, sz) in new[] { (-1, -1), (-1, 1), (1, -1), (1, 1) })
                        objects.Add(Primitive.Cylinder(at + new Vec3(sx * (hx - 0.06), (height - 0.03) / 2, sz * (hz - 0.06)), 0.03, (height - 0.03) / 2, legs));
                    break;
                }
            case 4:
                {
                    // Shelf: a tall thin box with a ball or box on top.
                    var h = new Vec3(rng.Uniform(0.3, 0.6), rng.Uniform(0.6, 1.1), rng.Uniform(0.12, 0.25));
                    objects.Add(Primitive.Box(at + new Vec3(0, h.Y, 0), h, yaw, material));
                    var top = textures.Count;
                    textures.Add(RandomTexture(rng, 1.0));
                    var r = rng.Uniform(0.08, 0.15);
                    objects.Add(Primitive.Sphere(at + new Vec3(0, 2 * h.Y + r, 0), r, top));
                    break;
                }
            default:
                {
                    // Stack of two boxes, the upper one smaller and turned.
                    var h1 = new Vec3(rng.Uniform(0.25, 0.45), rng.Uniform(0.15, 0.35), rng.Uniform(0.25, 0.45));
                    var h2 = new Vec3(h1.X * 0.6, rng.Uniform(0.1, 0.25), h1.Z * 0.6);
                    objects.Add(Primitive.Box(at + new Vec3(0, h1.Y, 0), h1, yaw, material));
                    var upper = textures.Count;
                    textures.Add(RandomTexture(rng, 1.0));
                    objects.Add(Primitive.Box(at + new Vec3(0, 2 * h1.Y + h2.Y, 0), h2, yaw + rng.Uniform(0.2, 0.8), upper));
                    break;
                }
        }
    }

    // The procedural kinds (a photo needs a corpus): Plain first, as the draw below skips index 0.
    static readonly TextureKind[] Kinds = [.. Enum.GetValues<TextureKind>().Where(k => k != TextureKind.Photo)];

    /// <summary>A random texture with features about 1/<paramref name="scale"/> to 4/<paramref name="scale"/> per metre.</summary>
    internal static Texture RandomTexture(SceneRandom rng, double scale)
    {
        var kind = Kinds[rng.Next(1, Kinds.Length)];
        var a = RandomColour(rng);
        var b = rng.Chance(0.5) ? RandomColour(rng) : a * rng.Uniform(0.35, 0.7);
        var c = RandomColour(rng);
        return new Texture(kind, a, b, c, scale * rng.Uniform(1.0, 4.0), rng.Uniform(0, Math.PI), (uint)rng.NextUInt64());
    }

    /// <summary>A colour from HSV with moderate saturation and value, so surfaces are neither black nor blown out.</summary>
    internal static Vec3 RandomColour(SceneRandom rng)
    {
        double h = rng.NextDouble() * 6, s = rng.Uniform(0.15, 0.8), v = rng.Uniform(0.35, 0.95);
        var i = (int)h;
        var f = h - i;
        double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        return i switch { 0 => new(v, t, p), 1 => new(q, v, p), 2 => new(p, v, t), 3 => new(p, q, v), 4 => new(t, p, v), _ => new(v, p, q) };
    }

    internal static Vec3 Warm(SceneRandom rng) => new(1, rng.Uniform(0.85, 1), rng.Uniform(0.7, 0.95));
}
