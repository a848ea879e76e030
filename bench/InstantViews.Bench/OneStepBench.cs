using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// One-step vs multi-step GenWarp speed in the same run on evaluation pairs (estimated depth): seconds per view at
/// batch 1 and batch 16 (preserver included, as `genwarp eval` pays it), their ratio, and a 30-view orbit of one
/// source with the preserver cached (views/s), split into warp / preserver / denoiser time.
/// </summary>
static class OneStepBench
{
    public static void Run(string oneStepPath, string genwarpPath, string? jsonPath)
    {
        using var single = (OneStepViews)NovelViewGenerators.Open(oneStepPath, "genwarp-1step");
        var multi = (SampledViews)NovelViewGenerators.Open(genwarpPath, "genwarp");
        var oneStep = single.Model;
        var res = oneStep.NetConfig.Resolution;
        var depth = BuiltinDepth.LoadShipped();
        using var data = new ScenePairs(new SceneStreamConfig(res, res, 2, SceneSplit.Eval, 0, MinCovisibility: 0.2, MaxCovisibility: 0.8), depth);
        var pairs = data.Render(0, 16);
        var batch16 = data.Batch(pairs);
        using var noGrad = no_grad();

        // Seconds per view: every call prepares its own source (no cache), as evaluation does. The median call, so that
        // a pause of the machine (another process, the garbage collector) does not move the figure.
        double PerView(Func<NovelViewBatch, long, Tensor> generate, int batch, int calls)
        {
            var b = batch == 16 ? batch16 : Slice(batch16, 0);
            generate(b, 0).Dispose(); // warm-up
            var times = new List<double>();
            for (int i = 0; i < calls; i++)
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                generate(batch == 16 ? b : Slice(batch16, i % 16), i);
                times.Add(clock.Elapsed.TotalSeconds / batch);
            }
            return Median(times);
        }
        Tensor OneStepUncached(NovelViewBatch b, long seed) => oneStep.Generate(b, new Generator((ulong)seed));
        Tensor MultiStep(NovelViewBatch b, long seed) => multi.Generate(b, seed).Views;
        var one1 = PerView(OneStepUncached, 1, 48);
        var one16 = PerView(OneStepUncached, 16, 9);
        var multi1 = PerView(MultiStep, 1, 5);
        var multi16 = PerView(MultiStep, 16, 3);
        Console.WriteLine($"one-step vs multi-step GenWarp at {res}x{res} ({oneStepPath} vs {genwarpPath}: Heun 18, guidance 2, 70 NFE); median call of 48/9 (one-step) and 5/3 (multi-step)");
        Console.WriteLine($"  batch  1: one-step {one1 * 1000,8:0.0} ms/view   multi-step {multi1 * 1000,8:0.0} ms/view   ratio {multi1 / one1,6:0.0}x");
        Console.WriteLine($"  batch 16: one-step {one16 * 1000,8:0.0} ms/view   multi-step {multi16 * 1000,8:0.0} ms/view   ratio {multi16 / one16,6:0.0}x");

        // A 30-view orbit of one source: depth given, preserver once, then per view a warp and one evaluation.
        var pair = pairs[0];
        var rgb = pair.SourceRgb().unsqueeze(0);
        var d = data.SourceDepth(pair).unsqueeze(0);
        var cam = pair.SourceCamera;
        var pivot = d.median().item<float>();
        const int views = 30;
        var targets = Enumerable.Range(0, views).Select(i => CameraTargets.Orbit(cam, pivot, -15 + 30.0 * i / (views - 1), 0)).ToList();
        single.Generate(NovelViewBatch.Build(rgb, d, [cam], [targets[0]]), 0).Views.Dispose(); // warm-up
        // Five orbits; the median one is reported (its own split of time).
        var orbits = new List<(double Seconds, double Warp, double Preserver, double Denoiser)>();
        for (int round = 0; round < 5; round++)
        {
            var preserveClock = Stopwatch.StartNew();
            var prepared = oneStep.Prepare(rgb);
            var preserverSeconds = preserveClock.Elapsed.TotalSeconds;
            double warpSeconds = 0, denoiseSeconds = 0;
            var total = Stopwatch.StartNew();
            foreach (var target in targets)
            {
                using var scope = NewDisposeScope();
                var t0 = Stopwatch.GetTimestamp();
                var b = NovelViewBatch.Build(rgb, d, [cam], [target]);
                var t1 = Stopwatch.GetTimestamp();
                oneStep.Generate(prepared, b.TargetEmbedding, new Generator(7)).clamp(-1, 1);
                var t2 = Stopwatch.GetTimestamp();
                warpSeconds += (t1 - t0) / (double)Stopwatch.Frequency;
                denoiseSeconds += (t2 - t1) / (double)Stopwatch.Frequency;
            }
            orbits.Add((total.Elapsed.TotalSeconds + preserverSeconds, warpSeconds, preserverSeconds, denoiseSeconds));
        }
        var median = orbits.OrderBy(o => o.Seconds).ElementAt(orbits.Count / 2);
        var orbitSeconds = median.Seconds;
        var (orbitWarp, orbitPreserver, orbitDenoiser) = (median.Warp, median.Preserver, median.Denoiser);
        var all = orbitWarp + orbitDenoiser + orbitPreserver;
        Console.WriteLine($"  orbit of {views} views of one source (preserver cached; median of 5 orbits, range {views / orbits.Max(o => o.Seconds):0.0}-{views / orbits.Min(o => o.Seconds):0.0}): {views / orbitSeconds:0.0} views/s, {orbitSeconds:0.00} s; " +
                          $"time in warp {100 * orbitWarp / all:0}%, preserver {100 * orbitPreserver / all:0}%, denoiser {100 * orbitDenoiser / all:0}%");
        if (jsonPath is null) return;
        var json = new JsonObject
        {
            ["benchmark"] = "onestep",
            ["one_step"] = Path.GetFileName(oneStepPath),
            ["multi_step"] = Path.GetFileName(genwarpPath),
            ["resolution"] = res,
            ["threads"] = TorchSharp.torch.get_num_threads(),
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ["one_step_ms_per_view_batch1"] = Math.Round(one1 * 1000, 2),
            ["multi_step_ms_per_view_batch1"] = Math.Round(multi1 * 1000, 1),
            ["one_step_ms_per_view_batch16"] = Math.Round(one16 * 1000, 2),
            ["multi_step_ms_per_view_batch16"] = Math.Round(multi16 * 1000, 1),
            ["speedup_batch1"] = Math.Round(multi1 / one1, 1),
            ["speedup_batch16"] = Math.Round(multi16 / one16, 1),
            ["orbit_views_per_s"] = Math.Round(views / orbitSeconds, 1),
            ["orbit_fraction_warp"] = Math.Round(orbitWarp / all, 3),
            ["orbit_fraction_preserver"] = Math.Round(orbitPreserver / all, 3),
            ["orbit_fraction_denoiser"] = Math.Round(orbitDenoiser / all, 3),
        };
        BenchJson.Write(jsonPath, json);
        Console.WriteLine($"wrote {jsonPath}");
    }

    static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    static NovelViewBatch Slice(NovelViewBatch b, int i) =>
        new(b.Source[i..(i + 1)], b.TargetEmbedding[i..(i + 1)], b.WarpedRgb[i..(i + 1)], b.HoleMask[i..(i + 1)], b.Target?[i..(i + 1)]);
}
