using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Lifting;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// `bench lift [model] [results.json]`: what lifting a 1024x683 photo costs and how true the scene is. The photo is a
/// rendered procedural scene (evaluation seed 1,000,000, so its depth is exact). Times are medians of three lifts after
/// a warm-up, by stage: depth (the built-in estimator; none with the depth given), layers (sharpening, band, band depth,
/// layer tensors), generated fills (four one-step GenWarp views carried back), meshing (the .glb's meshes), .glb and
/// .ply encoding, saving the scene folder. Also: the .glb size, source lock (the scene rendered from the source camera
/// against the photo) and the view 4% of the median depth to the right against the true render, where the source sees
/// it (pixels its warp covers, one pixel away from any hole).
/// </summary>
static class LiftBench
{
    public static void Run(string model, string? json, string? images = null, int width = 1024, int height = 683)
    {
        var scene = SceneGenerator.Generate(SceneStream.EvalSeedStart);
        var cam = CameraPaths.RandomPose(scene, Camera.FromFov(width, height, CameraTargets.DefaultFovXDegrees), new SceneRandom(scene.Seed, 1000));
        var truth = Renderer.Render(scene, cam, 4);
        var photo = truth.RgbTensor();
        var depth = truth.DepthTensor();
        var source = cam.WithPose(RigidTransform.Identity);
        var pipeline = new NovelViewPipeline(NovelViewGenerators.Open(ModelFiles.Resolve(model)));
        var lifter = new PhotoLifter(pipeline);
        var estimator = BuiltinDepth.LoadShipped();
        using var dir = new TempFolder();

        Dictionary<string, double> Once(bool builtin)
        {
            var clock = Stopwatch.StartNew();
            var d = depth;
            if (builtin) using (no_grad()) d = estimator.Estimate(photo, source).to_type(ScalarType.Float32).cpu().contiguous();
            var depthMs = builtin ? clock.Elapsed.TotalMilliseconds : 0;
            var lifted = lifter.Lift(photo, d, source, builtin ? estimator.Description : "rendered depth", PhotoLifter.ScaleNote(!builtin));
            using var s = lifted.Scene;
            clock.Restart();
            var meshes = s.Layers.Select(l => LayerMesh.Build(l, s.Camera, 2)).ToList();
            var meshMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var (glb, step) = GlbExport.Encode(s);
            var glbMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var ply = SplatPlyExport.Encode(s, SplatPlyExport.DefaultStep(s.Width, s.Height));
            var plyMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            s.Save(Path.Combine(dir.Path, "scene"));
            var saveMs = clock.Elapsed.TotalMilliseconds;
            // A 60-frame circle at the scene's size, rendered and encoded as MP4 (the `render` verb's work).
            var video = SceneVideo.Render(s, VideoPath.Cameras(VideoPathKind.Circle, s.Camera, s.MedianDepth, 60), Path.Combine(dir.Path, "circle.mp4"),
                Imaging.AnimationFormat.Mp4, 33);
            return new()
            {
                ["video_60_frames_mp4_s"] = video.Seconds,
                ["video_render_ms_per_frame"] = video.RenderMsPerFrame,
                ["video_uncovered_share"] = video.HoleFraction,
                ["depth_ms"] = depthMs,
                ["layers_ms"] = lifted.LayersMs,
                ["fills_ms"] = lifted.FillsMs,
                ["meshing_ms"] = meshMs,
                ["glb_ms"] = glbMs,
                ["ply_ms"] = plyMs,
                ["save_ms"] = saveMs,
                ["total_ms"] = depthMs + lifted.LayersMs + lifted.FillsMs + glbMs + plyMs + saveMs,
                ["glb_bytes"] = glb.Length,
                ["glb_step"] = step,
                ["ply_bytes"] = ply.Length,
                ["layers"] = s.Layers.Count,
                ["band_pixels"] = lifted.BandPixels,
                ["generated_share"] = lifted.GeneratedShare,
                ["triangles_step2"] = meshes.Sum(m => m.TriangleCount),
            };
        }
        Dictionary<string, double> Median(bool builtin)
        {
            var runs = Enumerable.Range(0, 3).Select(_ => Once(builtin)).ToList();
            return runs[0].Keys.ToDictionary(k => k, k => runs.Select(r => r[k]).Order().ElementAt(1));
        }
        var load = File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : -1;
        Once(false); // warm-up: JIT, libtorch kernels, the model's first call
        var given = Median(false);
        var built = Median(true);

        // Source lock and a nearby view, on the scene lifted with the rendered depth.
        var quality = new JsonObject();
        using (var lifted = lifter.Lift(photo, depth, source, "rendered depth", PhotoLifter.ScaleNote(true)).Scene)
        {
            var renderer = new LayeredSceneRenderer(lifted);
            var (atSource, coverage) = renderer.Render(source);
            // A render's time: median of three after the first (which pays for compiling the rasteriser).
            var renderMs = Enumerable.Range(0, 3).Select(_ =>
            {
                var clock = Stopwatch.StartNew();
                renderer.Render(source);
                return clock.Elapsed.TotalMilliseconds;
            }).Order().ElementAt(1);
            var lockPsnr = Psnr.Compute((atSource + 1) / 2, (photo + 1) / 2).item<float>();
            var median = depth.flatten().median().item<float>();
            var near = CameraTargets.Move(cam, 0.04 * median, 0, 0, 0, 0);
            var trueView = Renderer.Render(scene, near, 4);
            var (view, _) = renderer.Render(CameraTargets.Move(source, 0.04 * median, 0, 0, 0, 0));
            using var seen = ForwardSplat.Warp(depth.unsqueeze(0), depth, cam, near);
            // Seen: covered by the source's warp, one pixel away from any hole (as the test measures).
            var mask = 1 - nn.functional.max_pool2d(seen.HoleMask.unsqueeze(0).unsqueeze(0), 3, stride: 1, padding: 1).squeeze(0);
            var nearPsnr = Psnr.Compute((view + 1) / 2, (trueView.RgbTensor() + 1) / 2, mask).item<float>();
            if (images is not null)
            {
                // A sheet for the docs: photo | true view | lifted view (4% right) over background layer | views 8% left and up.
                Tensor Small(Tensor x) => Imaging.Resize.To(x, height / 4, width / 4, Imaging.ResizeFilter.Area);
                var bg = lifted.Layers.Count > 1 ? lifted.Layers[1].Rgb * lifted.Layers[1].Valid.unsqueeze(0) : zeros_like(photo);
                var left = renderer.Render(CameraTargets.Move(source, -0.08 * median, 0, 0, 0, 0)).Rgb;
                var up = renderer.Render(CameraTargets.Move(source, 0, -0.08 * median, 0, 0, 0)).Rgb;
                Imaging.ImageFile.Write(images, Imaging.ImageGrid.Tile([Small(photo), Small(trueView.RgbTensor()), Small(view), Small(bg), Small(left), Small(up)], 3));
                Console.WriteLine($"wrote {images}");
            }
            quality["source_lock_psnr_db"] = Math.Round(lockPsnr, 2);
            quality["source_coverage"] = Math.Round(coverage.mean().item<float>(), 5);
            quality["render_ms"] = Math.Round(renderMs, 1);
            quality["near_view_psnr_db"] = Math.Round(nearPsnr, 2);
            quality["near_view_seen_share"] = Math.Round(mask.mean().item<float>(), 4);
            Console.WriteLine($"source lock {lockPsnr:0.00} dB (coverage {coverage.mean().item<float>():0.0000}); render {renderMs:0} ms; " +
                              $"view 4% of the median depth right: {nearPsnr:0.00} dB where the source sees ({100 * mask.mean().item<float>():0.0}% of it)");
        }
        JsonObject Stages(Dictionary<string, double> r) => new(r.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, kv.Key.EndsWith("_ms") ? 1 : 4))));
        foreach (var (name, r) in new[] { ("depth given", given), ("built-in depth", built) })
            Console.WriteLine($"{name}: depth {r["depth_ms"]:0} ms, layers {r["layers_ms"]:0} ms, generated fills {r["fills_ms"]:0} ms, meshing {r["meshing_ms"]:0} ms, " +
                              $".glb {r["glb_ms"]:0} ms, .ply {r["ply_ms"]:0} ms, save {r["save_ms"]:0} ms; total {r["total_ms"] / 1000:0.00} s; " +
                              $".glb {r["glb_bytes"] / 1e6:0.00} MB (step {r["glb_step"]}), .ply {r["ply_bytes"] / 1e6:0.0} MB; band {r["band_pixels"]} px, {100 * r["generated_share"]:0.0}% generated; " +
                              $"a 60-frame MP4 circle {r["video_60_frames_mp4_s"]:0.0} s ({r["video_render_ms_per_frame"]:0} ms a frame to render, {100 * r["video_uncovered_share"]:0.00}% uncovered)");
        if (json is null) return;
        BenchJson.Write(json, new JsonObject
        {
            ["bench"] = "lift",
            ["photo"] = $"{width}x{height} render of evaluation scene {scene.Seed}",
            ["model"] = Path.GetFileName(model),
            ["threads"] = get_num_threads(),
            ["processors"] = Environment.ProcessorCount,
            // Other work on the machine while it ran (the 1-minute load average before the timed lifts).
            ["load_average"] = load,
            ["depth_given"] = Stages(given),
            ["builtin_depth"] = Stages(built),
            ["quality"] = quality,
        });
    }

    /// <summary>`bench lift-photo IMAGE SHEET.png [model]`: a photo lifted with the built-in depth, seen from the source and from cameras moved 8% of the median depth left, right, up and down, with its background layer.</summary>
    public static void Photo(string image, string sheet, string model)
    {
        var photo = Imaging.ImageFile.Read(image);
        int h = (int)photo.shape[1], w = (int)photo.shape[2];
        var cam = Camera.FromFov(w, h, CameraTargets.DefaultFovXDegrees);
        var estimator = BuiltinDepth.LoadShipped();
        Tensor depth;
        using (no_grad()) depth = estimator.Estimate(photo, cam).to_type(ScalarType.Float32).cpu().contiguous();
        var lifted = new PhotoLifter(new NovelViewPipeline(NovelViewGenerators.Open(ModelFiles.Resolve(model)))).Lift(photo, depth, cam, estimator.Description, PhotoLifter.ScaleNote(false), image);
        using var scene = lifted.Scene;
        var renderer = new LayeredSceneRenderer(scene);
        var median = depth.flatten().median().item<float>();
        var source = scene.Camera;
        Tensor View(double dx, double dy) => renderer.Render(CameraTargets.Move(source, dx * median, dy * median, 0, 0, 0)).Rgb;
        var bg = scene.Layers.Count > 1 ? scene.Layers[1].Rgb * scene.Layers[1].Valid.unsqueeze(0) : zeros_like(scene.Layers[0].Rgb);
        Imaging.ImageFile.Write(sheet, Imaging.ImageGrid.Tile([View(0, 0), bg, View(-0.08, 0), View(0.08, 0), View(0, -0.08), View(0, 0.08)], 2));
        Console.WriteLine($"{scene.Layers.Count} layers, band {lifted.BandPixels} px ({100 * lifted.GeneratedShare:0.0}% generated); wrote {sheet}");
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("iv-lift-bench-").FullName;
        public void Dispose() => Directory.Delete(Path, true);
    }
}
