using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Lifting;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// `bench consistency [model] [results.json]`: how much generated content changes between adjacent frames of an orbit,
/// for the lifted scene (`lift`, then rendered) and for per-view fills (each frame composed by `nvs`). A procedural
/// scene gives the truth: frame i is carried into frame i+1 by its true depth (rendered from the scene), and the two
/// frames are compared (PSNR) on the pixels both generated (the source's warp leaves them holes in both). Higher is
/// steadier. Also the lifted scene's source lock.
/// </summary>
static class ConsistencyBench
{
    public static void Run(string model, string? json, int width = 384, int height = 256, int frames = 12, double yawRange = 16)
    {
        var scene = SceneGenerator.Generate(SceneStream.ValidationSeedStart);
        var cam = CameraPaths.RandomPose(scene, Camera.FromFov(width, height, CameraTargets.DefaultFovXDegrees), new SceneRandom(scene.Seed, 1000));
        var truth = Renderer.Render(scene, cam, 4);
        var photo = truth.RgbTensor();
        var depth = truth.DepthTensor();
        var source = cam.WithPose(RigidTransform.Identity);
        var median = depth.flatten().median().item<float>();
        var pipeline = new NovelViewPipeline(NovelViewGenerators.Open(ModelFiles.Resolve(model)));
        using var lifted = new PhotoLifter(pipeline).Lift(photo, depth, source, "rendered depth", PhotoLifter.ScaleNote(true)).Scene;
        var renderer = new LayeredSceneRenderer(lifted);
        var (atSource, _) = renderer.Render(source);
        var sourceLock = Psnr.Compute((atSource + 1) / 2, (photo + 1) / 2).item<float>();

        var targets = Enumerable.Range(0, frames).Select(i => CameraTargets.Orbit(source, median, -yawRange / 2 + yawRange * i / (frames - 1), 0)).ToList();
        // Each target in the scene's world: source-to-target after world-to-source.
        Camera InWorld(Camera t) => cam.WithPose(new RigidTransform(t.R * cam.R, t.R * cam.T + t.T));
        var trueDepth = targets.Select(t => Renderer.Render(scene, InWorld(t), 1).DepthTensor()).ToList();
        var holes = targets.Select(t => { using var s = ForwardSplat.Warp(photo, depth, source, t); return s.HoleMask.clone(); }).ToList();
        using var views = PhotoViews.Open(photo, depth, source, "rendered depth", pipeline, new PhotoViewSizes(Math.Max(width, height), Math.Max(width, height)), "the render");
        var perView = targets.Select(t => views.View(t, seed: 0).Generated).ToList();
        var liftedFrames = targets.Select(t => renderer.Render(t).Rgb).ToList();

        double Steadiness(List<Tensor> views)
        {
            var scores = new List<double>();
            for (int i = 0; i + 1 < frames; i++)
            {
                using var scope = NewDisposeScope();
                // Frame i and its generated-pixel mask carried into frame i+1 by frame i's true depth.
                using var carried = ForwardSplat.Warp(cat([views[i], holes[i].unsqueeze(0)]), trueDepth[i], targets[i], targets[i + 1]);
                var mask = carried.Warped[3].gt(0.5f).logical_and(carried.HoleMask.lt(0.5f)).logical_and(holes[i + 1].gt(0.5f)).to_type(ScalarType.Float32);
                if (mask.sum().item<float>() < 20) continue;
                scores.Add(Psnr.Compute((carried.Warped[..3] + 1) / 2, (views[i + 1] + 1) / 2, mask.unsqueeze(0)).item<float>());
            }
            return scores.Count > 0 ? scores.Average() : double.NaN;
        }
        var (lift, fills) = (Steadiness(liftedFrames), Steadiness(perView));
        Console.WriteLine($"consistency over a {frames}-frame orbit of {yawRange} degrees at {width}x{height} (validation scene {scene.Seed}, true depth): " +
                          $"generated pixels from frame to frame {lift:0.00} dB lifted scene, {fills:0.00} dB per-view fills ({lift - fills:+0.00;-0.00} dB); source lock {sourceLock:0.00} dB");
        if (json is null) return;
        BenchJson.Write(json, new JsonObject
        {
            ["bench"] = "consistency",
            ["scene"] = $"validation scene {scene.Seed}, {width}x{height}, true depth",
            ["model"] = Path.GetFileName(model),
            ["frames"] = frames,
            ["yaw_range_degrees"] = yawRange,
            ["lifted_psnr_between_frames"] = Math.Round(lift, 2),
            ["per_view_psnr_between_frames"] = Math.Round(fills, 2),
            ["lifted_minus_per_view_db"] = Math.Round(lift - fills, 2),
            ["source_lock_psnr"] = Math.Round(sourceLock, 2),
        });
    }
}
