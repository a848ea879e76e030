using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Lifting;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Scenes;
using InstantViews.Tests.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

/// <summary>Inputs of the lifting tests: a tiny random one-step model, a closed-form two-plane photo, a procedural scene view.</summary>
static class LiftFixtures
{
    /// <summary>A randomly initialised one-step GenWarp of a few thousand parameters (16 px), as a pipeline.</summary>
    public static NovelViewPipeline TinyPipeline(int seed = 5)
    {
        var teacher = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(teacher, seed);
        var g = OneStepGenWarp.FromTeacher(teacher, 20);
        g.eval();
        return new NovelViewPipeline(new OneStepViews(g));
    }

    /// <summary>
    /// A fronto-parallel near plane (depth <paramref name="near"/>) over columns [0, <paramref name="edge"/>) and a far
    /// plane (<paramref name="far"/>) beyond, with a colour ramp; camera at 60 degrees.
    /// </summary>
    public static (Tensor Rgb, Tensor Depth, Camera Camera) TwoPlanes(int width = 48, int height = 32, int edge = 24, float near = 2, float far = 4)
    {
        var d = new float[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) d[y * width + x] = x < edge ? near : far;
        var u = linspace(-1, 1, width).view(1, 1, width).expand(1, height, width);
        var v = linspace(-1, 1, height).view(1, height, 1).expand(1, height, width);
        var rgb = cat([u, v, u * v], 0).contiguous();
        return (rgb, tensor(d, [height, width]), Camera.FromFov(width, height, 60));
    }

    /// <summary>A view of evaluation scene 1,000,000 (exact depth) at the given size, with the scene to render other views of it.</summary>
    public static (Scene Scene, Camera Camera, RenderedView View) Procedural(int width = 96, int height = 64, long sceneIndex = 0)
    {
        var scene = SceneGenerator.Generate(SceneStream.EvalSeedStart + sceneIndex);
        var cam = CameraPaths.RandomPose(scene, Camera.FromFov(width, height, CameraTargets.DefaultFovXDegrees), new SceneRandom(scene.Seed, 1000));
        return (scene, cam, Renderer.Render(scene, cam, 4));
    }

    /// <summary>A one-layer scene of the given depth and colour (all valid) seen by <paramref name="camera"/>.</summary>
    public static LayeredScene Single(Tensor rgb, Tensor depth, Camera camera) =>
        new(camera, [new SceneLayer("photo", rgb, depth, ones_like(depth))], "test", "exact", (camera.Width, camera.Height));
}
