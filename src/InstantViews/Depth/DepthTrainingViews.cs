using InstantViews.Geometry;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// The training views of built-in depth v2: view i is a pure function of (seed, i), so a resumed run sees exactly
/// what an uninterrupted one would. Each scene (training seeds only, below 1,000,000) is a
/// <see cref="VariedSceneGenerator"/> scene textured from the photo corpus; each view has a random horizontal
/// field of view (40-90 degrees), a random pose, <see cref="PhotoAugment"/> and a random horizontal flip.
/// </summary>
public sealed class DepthTrainingViews(int width, int height, int spp, long seed, PhotoCorpus? photos, int viewsPerScene = 4)
{
    public int Width { get; } = width;
    public int Height { get; } = height;

    /// <summary>View <paramref name="index"/>: RGB packed HWC in [0, 1], depth [H, W] in metres and the focal length in image widths.</summary>
    public (float[] Rgb, float[] Depth, double FocalRatio) Render(long index)
    {
        var sceneSeed = SceneStream.SceneSeed(SceneSplit.Train, seed, index / viewsPerScene);
        var scene = VariedSceneGenerator.Generate(sceneSeed, photos);
        var rng = new SceneRandom(sceneSeed, 2000 + index % viewsPerScene);
        var intrinsics = Camera.FromFov(Width, Height, rng.Uniform(40, 90));
        var view = Renderer.Render(scene, CameraPaths.RandomPose(scene, intrinsics, rng), spp, parallel: false);
        var rgb = (float[])view.Rgb.Clone();
        var depth = (float[])view.Depth.Clone();
        PhotoAugment.Apply(rgb, Width, Height, rng);
        if (rng.Chance(0.5)) FlipRows(rgb, depth, Width, Height);
        return (rgb, depth, intrinsics.Fx / Width);
    }

    /// <summary>Views first ... first + n - 1 as RGB [n, 3, H, W] in [-1, 1], depth [n, H, W] and focal lengths [n] (image widths), rendered in parallel.</summary>
    public (Tensor Rgb, Tensor Depth, Tensor FocalRatio) Batch(long first, int n)
    {
        var plane = Width * Height;
        var rgb = new float[n * 3 * plane];
        var depth = new float[n * plane];
        var focal = new float[n];
        Parallel.For(0, n, i =>
        {
            var (r, d, f) = Render(first + i);
            focal[i] = (float)f;
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++) rgb[(i * 3 + c) * plane + p] = r[3 * p + c] * 2 - 1;
            Array.Copy(d, 0, depth, i * plane, plane);
        });
        return (tensor(rgb, [n, 3, Height, Width]), tensor(depth, [n, Height, Width]), tensor(focal, [n]));
    }

    /// <summary>Mirrors each row of an HWC RGB image and its depth left to right.</summary>
    public static void FlipRows(float[] rgb, float[] depth, int width, int height)
    {
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width / 2; x++)
            {
                int a = y * width + x, b = y * width + width - 1 - x;
                (depth[a], depth[b]) = (depth[b], depth[a]);
                for (int c = 0; c < 3; c++) (rgb[3 * a + c], rgb[3 * b + c]) = (rgb[3 * b + c], rgb[3 * a + c]);
            }
    }
}
