using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// One-step GenWarp per resolution and per stage, in one run: for each model (32 px, grown to 64, 128, ...) an orbit of
/// a 1024x683 photo (a rendered scene, its true depth given; the semantic preserver cached, batch 1) split into the
/// warp at the model's size (with the growth levels' guides), the generator, and what the photo's own size adds:
/// the full-resolution forward warp and the composition (the shipped one, or the seam composition with --seam). Medians over the orbit's views. The stages run one after
/// another (the sum is the rate of a path that does them in turn); in the same rounds, <see cref="PhotoViews.View"/> times
/// the path `nvs`, `orbit` and the viewer take, which makes the full-resolution warp on a second thread while the model runs.
/// </summary>
static class GrowthBench
{
    public static void Run(IReadOnlyList<string> models, string? jsonPath, int width = 1024, int height = 683, bool seam = false)
    {
        // The shipped composition (Poisson) unless --seam asks for the seam composition.
        var composition = seam ? CompositionSettings.Seam : CompositionSettings.Default;
        var (_, views) = SceneDataset.RenderScene(7, width, height, 2, 1);
        var rgb = views[0].RgbTensor();
        var depth = views[0].DepthTensor();
        var cam = views[0].Camera.WithPose(RigidTransform.Identity);
        var pivot = depth.median().item<float>();
        const int count = 30, rounds = 2;
        var targets = Enumerable.Range(0, count).Select(i => CameraTargets.Orbit(cam, pivot, -15 + 30.0 * i / (count - 1), 3)).ToList();
        Console.WriteLine($"one-step GenWarp per resolution: a {width}x{height} photo (rendered, true depth), {count}-view orbit x {rounds}, preserver cached, batch 1, {get_num_threads()} threads, {(seam ? "seam" : "Poisson")} composition; medians in ms");
        Console.WriteLine($"{"model",-28} {"size",9} {"warp",7} {"generator",10} {"views/s",8} | {"full warp",10} {"compose",8} {"in turn: views/s",17} {"PhotoViews: views/s",20} {"ratio",6}");
        var rows = new JsonArray();
        using var noGrad = no_grad();
        foreach (var path in models)
        {
            var oneStep = (OneStepViews)NovelViewGenerators.Open(ModelFiles.Resolve(path), "genwarp-1step");
            var g = oneStep.Model;
            var pipeline = new NovelViewPipeline(oneStep);
            var (small, smallDepth, smallCam) = pipeline.Prepare(rgb, depth, cam);
            var levels = g.Cfg.Levels;
            var baseShape = (H: (int)small.shape[1] >> levels, W: (int)small.shape[2] >> levels);
            var prepared = g.Prepare(Resize.To(small, baseShape.H, baseShape.W, ResizeFilter.Area).unsqueeze(0));
            var longSide = Math.Max(width, height);
            using var photo = PhotoViews.Open(rgb, depth, cam, "true depth", pipeline, new PhotoViewSizes(longSide, longSide), "bench photo");
            photo.Composition = composition;
            var pathMs = new List<double>();
            var (warpMs, genMs, fullMs, composeMs, totalMs) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            for (int round = 0; round <= rounds; round++)
            {
                foreach (var target in targets)
                {
                    using var scope = NewDisposeScope();
                    var t0 = Stopwatch.GetTimestamp();
                    var inputs = new WarpInputs(small.unsqueeze(0), smallDepth.unsqueeze(0), [smallCam], [target.Scaled(smallCam.Width, smallCam.Height)]);
                    // As the pipeline does: the working-size warp (what the view is composed with at the model's size) is the top level's guide.
                    var own = inputs.Batch();
                    var (batch, guides) = levels > 0 ? GrowthGuides.Prepare(inputs, levels, CPU, own) : (own, null);
                    var t1 = Stopwatch.GetTimestamp();
                    var view = g.Generate(prepared, batch.TargetEmbedding, new Generator(7), guides).clamp(-1, 1)[0];
                    var t2 = Stopwatch.GetTimestamp();
                    using var splat = ForwardSplat.Warp(rgb, depth, cam, target);
                    var t3 = Stopwatch.GetTimestamp();
                    ViewComposition.Compose(splat.Warped, splat.HoleMask, view, composition, splat.Depth);
                    var t4 = Stopwatch.GetTimestamp();
                    photo.View(target, 7);
                    var t5 = Stopwatch.GetTimestamp();
                    if (round == 0) continue; // warm-up
                    double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
                    warpMs.Add(Ms(t0, t1));
                    genMs.Add(Ms(t1, t2));
                    fullMs.Add(Ms(t2, t3));
                    composeMs.Add(Ms(t3, t4));
                    totalMs.Add(Ms(t0, t4));
                    pathMs.Add(Ms(t4, t5));
                }
            }
            var (w, ge, fu, co) = (Median(warpMs), Median(genMs), Median(fullMs), Median(composeMs));
            var modelSize = $"{small.shape[2]}x{small.shape[1]}";
            var atModel = 1000 / Median(warpMs.Zip(genMs, (a, b) => a + b).ToList());
            var atPhoto = 1000 / Median(totalMs);
            var throughPath = 1000 / Median(pathMs);
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(path),-28} {modelSize,9} {w,7:0.0} {ge,10:0.0} {atModel,8:0.0} | {fu,10:0.0} {co,8:0.0} {atPhoto,17:0.0} {throughPath,20:0.0} {throughPath / atPhoto,6:0.00}");
            rows.Add(new JsonObject
            {
                ["model"] = Path.GetFileName(path),
                ["output_resolution"] = g.OutputResolution,
                ["working_size"] = modelSize,
                ["warp_ms"] = Math.Round(w, 2),
                ["generator_ms"] = Math.Round(ge, 2),
                ["views_per_s_at_model_size"] = Math.Round(atModel, 1),
                ["full_resolution_warp_ms"] = Math.Round(fu, 2),
                ["composition_ms"] = Math.Round(co, 2),
                ["views_per_s_at_photo_size"] = Math.Round(atPhoto, 1),
                ["photo_views_ms"] = Math.Round(Median(pathMs), 2),
                ["views_per_s_photo_views"] = Math.Round(throughPath, 1),
            });
            g.Dispose();
        }
        if (jsonPath is null) return;
        var json = new JsonObject
        {
            ["benchmark"] = "growth",
            ["photo"] = $"{width}x{height}",
            ["composition"] = (seam ? "seam" : $"Poisson, detail {composition.PoissonDetail?.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
                + (composition.FarSide is { } far ? $", from the far side ({far.ToString(System.Globalization.CultureInfo.InvariantCulture)})" : ""),
            ["threads"] = get_num_threads(),
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ["views"] = count * rounds,
            ["rows"] = rows,
        };
        BenchJson.Write(jsonPath, json);
        Console.WriteLine($"wrote {jsonPath}");
    }

    static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
}
