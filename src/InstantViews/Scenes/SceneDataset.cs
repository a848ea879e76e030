using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Runtime;

namespace InstantViews.Scenes;

/// <summary>What a rendered dataset holds: scenes of seeds Seed.. Seed+Count-1, each a walk-through of Frames views.</summary>
public sealed record SceneDatasetSpec(long Seed, int Count, int Width, int Height, int Spp, int Frames);

/// <summary>
/// Dataset rendering as a library call: one folder per scene (<see cref="SceneFolder"/>), finished scenes skipped
/// (a stopped run resumes), and shard i of n renders the scenes whose index k satisfies k mod n = i, so n processes
/// fill the same folder with exactly what one process would write.
/// </summary>
public static class SceneDataset
{
    /// <summary>A walk-through of one scene (every <paramref name="stride"/>-th pose of a longer path), rows spread over cores.</summary>
    public static (Scene Scene, RenderedView[] Views) RenderScene(long seed, int width, int height, int spp, int frames, Action? perFrame = null, int stride = 1)
    {
        var config = new SceneConfig();
        var scene = SceneGenerator.Generate(seed, config);
        var intrinsics = Camera.FromFov(width, height, config.FovXDegrees);
        var path = CameraPaths.Walkthrough(scene, intrinsics, (frames - 1) * stride + 1, new SceneRandom(seed, 2));
        var views = new RenderedView[frames];
        for (int i = 0; i < frames; i++)
        {
            views[i] = Renderer.Render(scene, path[i * stride], spp);
            perFrame?.Invoke();
        }
        return (scene, views);
    }

    /// <summary>Renders this shard's scenes of <paramref name="spec"/> into <paramref name="dir"/>; returns how many it rendered (not skipped).</summary>
    public static int Render(SceneDatasetSpec spec, string dir, Shard shard)
    {
        var mine = Enumerable.Range(0, spec.Count).Where(k => k % shard.Count == shard.Index).ToList();
        using var progress = Progress.Start($"scenes render {shard}", (long)mine.Count * spec.Frames, "frames");
        var rendered = 0;
        foreach (var k in mine)
        {
            var seed = spec.Seed + k;
            var folder = Path.Combine(dir, SceneFolder.Name(seed));
            if (SceneFolder.IsComplete(folder) && Matches(folder, spec)) { progress.Advance(spec.Frames); continue; }
            var (scene, views) = RenderScene(seed, spec.Width, spec.Height, spec.Spp, spec.Frames, () => progress.Advance());
            SceneFolder.Write(dir, seed, views, Parameters(scene, spec.Spp));
            rendered++;
        }
        return rendered;
    }

    static bool Matches(string folder, SceneDatasetSpec spec)
    {
        var s = SceneFolder.Read(folder);
        return s.Frames.Count == spec.Frames && s.Frames[0].Camera.Width == spec.Width && s.Frames[0].Camera.Height == spec.Height;
    }

    static JsonObject Parameters(Scene scene, int spp) => new()
    {
        ["spp"] = spp,
        ["room_size"] = new JsonArray(scene.Size.X, scene.Size.Y, scene.Size.Z),
        ["objects"] = scene.Objects.Length,
        ["lights"] = scene.Lights.Length,
        ["fov_x_degrees"] = new SceneConfig().FovXDegrees,
        ["axes"] = "opencv: x right, y down, z forward; world y up, floor at y = 0",
        ["depth"] = "z in camera coordinates, metres",
    };
}
