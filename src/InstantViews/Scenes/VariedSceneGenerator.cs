using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>
/// Scenes for training depth that transfers to photographs (domain randomisation): rooms and open, hall-sized
/// layouts; surfaces textured with real photographs as often as with procedural patterns; the room objects of
/// <see cref="SceneGenerator"/> plus thin poles, people-sized figures and clutter. Same seed and corpus, same scene.
/// </summary>
public static class VariedSceneGenerator
{
    /// <summary>Chance that a surface shows a photograph (when a corpus is given).</summary>
    public const double PhotoChance = 0.6;

    public static Scene Generate(long seed, PhotoCorpus? photos)
    {
        var rng = new SceneRandom(seed, stream: 7);
        // A third of the scenes are open: far walls at 12-40 m and a high ceiling, as outdoors or in a hall.
        var open = rng.Chance(0.3);
        var size = open
            ? new Vec3(rng.Uniform(12, 40), rng.Uniform(6, 20), rng.Uniform(12, 40))
            : new Vec3(rng.Uniform(3, 10), rng.Uniform(2.4, 4.5), rng.Uniform(3, 10));
        var room = new Texture[6];
        var wall = Surface(rng, photos, 0.8);
        room[0] = Surface(rng, photos, 1.0);
        room[1] = Surface(rng, photos, 0.5);
        for (int f = 2; f < 6; f++) room[f] = rng.Chance(0.5) ? wall with { Salt = (uint)f } : Surface(rng, photos, 0.8);

        var textures = new List<Texture>();
        var objects = new List<Primitive>();
        var count = open ? rng.Next(8, 25) : rng.Next(5, 16);
        var margin = 0.6;
        for (int i = 0; i < count; i++)
        {
            var material = textures.Count;
            textures.Add(Surface(rng, photos, rng.Uniform(0.6, 1.2)));
            var at = rng.Chance(open ? 0.1 : 0.3)
                ? SceneGenerator.NearWall(rng, size)
                : new Vec3(rng.Uniform(margin, size.X - margin), 0, rng.Uniform(margin, size.Z - margin));
            switch (rng.Next(0, 10))
            {
                case 0:
                    // A thin pole or post: a cylinder 1.5-5 cm across.
                    {
                        var hh = rng.Uniform(0.3, Math.Min(1.5, size.Y / 2 - 0.05));
                        objects.Add(Primitive.Cylinder(at + new Vec3(0, hh, 0), rng.Uniform(0.008, 0.025), hh, material));
                        break;
                    }
                case 1:
                    // A person-sized figure: body and head.
                    {
                        var hh = rng.Uniform(0.55, 0.8);
                        objects.Add(Primitive.Cylinder(at + new Vec3(0, hh, 0), rng.Uniform(0.15, 0.25), hh, material));
                        var head = textures.Count;
                        textures.Add(Surface(rng, photos, 1.0));
                        var r = rng.Uniform(0.09, 0.13);
                        objects.Add(Primitive.Sphere(at + new Vec3(0, 2 * hh + r, 0), r, head));
                        break;
                    }
                case 2:
                    // Clutter: a handful of small boxes and balls around one spot.
                    {
                        var n = rng.Next(3, 9);
                        for (int k = 0; k < n; k++)
                        {
                            var p = at + new Vec3(rng.Uniform(-0.5, 0.5), 0, rng.Uniform(-0.5, 0.5));
                            var s = rng.Uniform(0.04, 0.15);
                            var tex = k == 0 ? material : textures.Count;
                            if (k > 0) textures.Add(Surface(rng, photos, 1.5));
                            objects.Add(rng.Chance(0.5)
                                ? Primitive.Box(p + new Vec3(0, s, 0), new Vec3(s * rng.Uniform(0.6, 1.6), s, s * rng.Uniform(0.6, 1.6)), rng.Uniform(0, Math.PI), tex)
                                : Primitive.Sphere(p + new Vec3(0, s, 0), s, tex));
                        }
                        break;
                    }
                case 3 when open:
                    // A building-sized block in an open scene.
                    {
                        var h = new Vec3(rng.Uniform(1, 4), rng.Uniform(1.5, Math.Min(6, size.Y / 2 - 0.1)), rng.Uniform(1, 4));
                        objects.Add(Primitive.Box(at + new Vec3(0, h.Y, 0), h, rng.Uniform(0, Math.PI), material));
                        break;
                    }
                default:
                    SceneGenerator.AddObject(rng, objects, at, material, textures, size);
                    break;
            }
        }
        var lights = new List<Light>
        {
            new(true, new Vec3(rng.Uniform(0.3, 0.7) * size.X, size.Y - 0.3, rng.Uniform(0.3, 0.7) * size.Z), SceneGenerator.Warm(rng) * rng.Uniform(5, 9) * (open ? 8 : 1)),
        };
        if (rng.Chance(open ? 1.0 : 0.7))
            lights.Add(new(false, new Vec3(rng.Uniform(-1, 1), rng.Uniform(0.5, 1.5), rng.Uniform(-1, 1)).Normalized(), SceneGenerator.Warm(rng) * rng.Uniform(0.3, 0.8)));
        return new Scene(seed, size, objects.ToArray(), room, textures.ToArray(), lights.ToArray(), rng.Uniform(0.2, open ? 0.6 : 0.35));
    }

    /// <summary>A photograph (tinted slightly, 1-8 m per image width, random offset) or a procedural texture.</summary>
    static Texture Surface(SceneRandom rng, PhotoCorpus? photos, double scale)
    {
        if (photos is null || !rng.Chance(PhotoChance)) return SceneGenerator.RandomTexture(rng, scale);
        var tint = new Vec3(rng.Uniform(0.85, 1.15), rng.Uniform(0.85, 1.15), rng.Uniform(0.85, 1.15));
        var offset = new Vec3(rng.NextDouble(), rng.NextDouble(), 0);
        return new Texture(TextureKind.Photo, tint, offset, default, 1 / rng.Uniform(1.0, 8.0), rng.Chance(0.8) ? 0 : rng.Uniform(0, Math.PI), (uint)rng.NextUInt64())
        {
            Photo = photos.Photos[rng.Next(0, photos.Photos.Count)],
        };
    }
}
