using System.Diagnostics;
using InstantViews.Geometry;
using InstantViews.NovelViews;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// What a view at the photo's size costs on top of generation: the full-resolution forward warp (its loop form, and the tensor form for comparison) and the composition
/// (<see cref="ViewComposition"/>) of a 1024x683 photo with a generated view of 128 (or any) px, median of repeats.
/// </summary>
static class ComposeBench
{
    public static void Run(int width, int height, int generated, int repeats, string? jsonPath = null)
    {
        var g = new Generator(1);
        var rgb = rand(new long[] { 3, height, width }, generator: g) * 2 - 1;
        var depth = rand(new long[] { height, width }, generator: g) * 2 + 2;
        var source = Camera.FromFov(width, height, 60);
        var target = CameraTargets.Orbit(source, 3, 10, 0);
        var view = rand(new long[] { 3, generated * height / width, generated }, generator: g) * 2 - 1;
        double Median(Func<IDisposable?> f)
        {
            var times = new List<double>();
            for (int i = 0; i < repeats + 1; i++)
            {
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                f()?.Dispose();
                if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first is warm-up
            }
            return times.Order().ElementAt(times.Count / 2);
        }
        var warpMs = Median(() => ForwardSplat.Warp(rgb, depth, source, target));
        var tensorWarpMs = Median(() => ForwardSplat.TensorWarp(rgb.unsqueeze(0), depth.unsqueeze(0), [source], [target], new SplatOptions()));
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        var composeMs = Median(() => ViewComposition.Compose(splat.Warped, splat.HoleMask, view));
        var harmonicMs = Median(() => Imaging.HoleFill.Harmonic(splat.Warped, splat.HoleMask));
        var seamMs = Median(() => ViewComposition.Compose(splat.Warped, splat.HoleMask, view, CompositionSettings.Seam));
        var plain = CompositionSettings.Default with { FarSide = null };
        var far = CompositionSettings.Default with { FarSide = CompositionSettings.Default.BaselineFarSide };
        var plainMs = Median(() => ViewComposition.Compose(splat.Warped, splat.HoleMask, view, plain, splat.Depth));
        var farMs = Median(() => ViewComposition.Compose(splat.Warped, splat.HoleMask, view, far, splat.Depth));
        Tensor Occluders() => ViewComposition.Occluders(splat.HoleMask, splat.Depth, 1, far.FarSidePixels(height, width), far.FarSide!.Value);
        using var near = Occluders();
        var occluderPercent = 100 * near.to_type(ScalarType.Float32).mean().item<float>();
        // Where the far side's time goes, in rounds that run each part once in turn (so that a slow spell of the machine
        // falls on all of them alike), means over the rounds: the part of the composition made before the generated view
        // (the plan) with and without the far side, the occluder search, and the harmonic fill with the occluders as a wall
        // and without them; and the enclosed holes, which the shipped detail shares (--enclosed-detail 0) also cost.
        Func<IDisposable?>[] parts =
        [
            () => ViewComposition.Plan(splat.Warped, splat.HoleMask, far, splat.Depth),
            () => ViewComposition.Plan(splat.Warped, splat.HoleMask, plain, splat.Depth),
            Occluders,
            () => Imaging.HoleFill.Harmonic(splat.Warped, splat.HoleMask, blocked: near),
            () => Imaging.HoleFill.Harmonic(splat.Warped, splat.HoleMask),
            () => ViewComposition.Enclosed(splat.HoleMask.gt(0.5f)),
        ];
        var partMs = new double[parts.Length];
        for (int round = 0; round <= repeats; round++)
            for (int p = 0; p < parts.Length; p++)
            {
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                parts[p]()?.Dispose();
                if (round > 0) partMs[p] += sw.Elapsed.TotalMilliseconds / repeats; // the first round is warm-up
            }
        var (planFarMs, planPlainMs, occludersMs, walledMs, plainFillMs, enclosedMs) = (partMs[0], partMs[1], partMs[2], partMs[3], partMs[4], partMs[5]);
        var holePercent = 100 * splat.HoleMask.mean().item<float>();
        Console.WriteLine($"compose {width}x{height} from a {view.shape[2]}x{view.shape[1]} generated view ({get_num_threads()} threads, median of {repeats}): " +
                          $"warp {warpMs:0.0} ms (tensor form {tensorWarpMs:0.0} ms, {tensorWarpMs / warpMs:0.0}x), composition {composeMs:0.0} ms, total {warpMs + composeMs:0.0} ms; holes {holePercent:0.0}%");
        Console.WriteLine($"the composition (Poisson, its harmonic fill of the warp included) against the seam composition (--poisson-detail off): {composeMs:0.0} ms vs {seamMs:0.0} ms, {composeMs / seamMs:0.0}x; the harmonic fill alone {harmonicMs:0.0} ms");
        Console.WriteLine($"from the far side (--far-side {far.FarSide}; {occluderPercent:0.0}% of the pixels are occluders beside a hole) against the Poisson composition without it: {farMs:0.0} ms vs {plainMs:0.0} ms, {farMs / plainMs:0.00}x");
        Console.WriteLine($"  where it goes (means of {repeats} rounds of every part in turn): the plan {planFarMs:0.0} ms vs {planPlainMs:0.0} ms (+{planFarMs - planPlainMs:0.0}); " +
                          $"the occluders {occludersMs:0.0} ms, the walled harmonic fill {walledMs:0.0} ms vs {plainFillMs:0.0} ms plain (+{walledMs - plainFillMs:0.0}); the enclosed holes {enclosedMs:0.0} ms");
        if (jsonPath is null) return;
        BenchJson.Write(jsonPath, new System.Text.Json.Nodes.JsonObject
        {
            ["benchmark"] = "compose",
            ["photo"] = $"{width}x{height}",
            ["generated"] = $"{view.shape[2]}x{view.shape[1]}",
            ["threads"] = get_num_threads(),
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ["repeats"] = repeats,
            ["hole_percent"] = Math.Round(holePercent, 1),
            ["warp_ms"] = Math.Round(warpMs, 1),
            ["composition_ms"] = Math.Round(composeMs, 1),
            ["seam_composition_ms"] = Math.Round(seamMs, 1),
            ["harmonic_fill_ms"] = Math.Round(harmonicMs, 1),
            ["far_side"] = far.FarSide,
            ["occluder_percent"] = Math.Round(occluderPercent, 1),
            ["far_side_composition_ms"] = Math.Round(farMs, 1),
            ["without_far_side_composition_ms"] = Math.Round(plainMs, 1),
            ["rounds_plan_far_side_ms"] = Math.Round(planFarMs, 1),
            ["rounds_plan_without_far_side_ms"] = Math.Round(planPlainMs, 1),
            ["rounds_occluders_ms"] = Math.Round(occludersMs, 1),
            ["rounds_walled_harmonic_fill_ms"] = Math.Round(walledMs, 1),
            ["rounds_harmonic_fill_ms"] = Math.Round(plainFillMs, 1),
            ["rounds_enclosed_ms"] = Math.Round(enclosedMs, 1),
        });
        Console.WriteLine($"wrote {jsonPath}");
    }
}
