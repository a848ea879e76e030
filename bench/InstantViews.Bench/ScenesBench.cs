using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Scenes;

namespace InstantViews.Bench;

/// <summary>Views per second of the scene renderer at 4 spp, views spread over all cores as the stream does it.</summary>
static class ScenesBench
{
    public static void Run(double seconds, string? output = null)
    {
        var results = new JsonObject { ["benchmark"] = "scenes", ["spp"] = 4, ["cores"] = Environment.ProcessorCount, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        Console.WriteLine($"scenes: random views (scene generation + pose + render), 4 spp, {Environment.ProcessorCount} cores");
        foreach (var size in new[] { 64, 128, 256 })
        {
            var stream = new SceneStream(new SceneStreamConfig(Width: size, Height: size, Spp: 4, Seed: 1));
            // Warm-up outside the clock (JIT, thread pool).
            Parallel.For(0, 2 * Environment.ProcessorCount, i => stream.RenderView(i));
            var clock = Stopwatch.StartNew();
            long done = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var start = done;
                Parallel.For(start, start + 4 * Environment.ProcessorCount, i => stream.RenderView(i));
                done += 4 * Environment.ProcessorCount;
            }
            var rate = done / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  {size}x{size}: {rate,8:0.0} views/s ({done} views in {clock.Elapsed.TotalSeconds:0.0} s)");
            results[$"views_per_second_{size}"] = Math.Round(rate, 1);
        }
        // The trainer's path: SceneStream.NextBatch, rendering ahead on pool threads.
        using (var stream = new SceneStream(new SceneStreamConfig(Width: 64, Height: 64, Spp: 4, Seed: 2)))
        {
            stream.NextBatch(16).Dispose();
            var sc = Stopwatch.StartNew();
            long sn = 0;
            while (sc.Elapsed.TotalSeconds < seconds)
            {
                stream.NextBatch(64).Dispose();
                sn += 64;
            }
            var streamRate = sn / sc.Elapsed.TotalSeconds;
            Console.WriteLine($"  64x64 SceneStream.NextBatch(64): {streamRate:0.0} views/s");
            results["stream_views_per_second_64"] = Math.Round(streamRate, 1);
        }
        var pairs = new SceneStream(new SceneStreamConfig(Width: 64, Height: 64, Spp: 4, Seed: 1));
        var pc = Stopwatch.StartNew();
        long pn = 0;
        while (pc.Elapsed.TotalSeconds < seconds)
        {
            var start = pn;
            Parallel.For(start, start + 2 * Environment.ProcessorCount, i => pairs.RenderPair(i));
            pn += 2 * Environment.ProcessorCount;
        }
        var pairRate = pn / pc.Elapsed.TotalSeconds;
        Console.WriteLine($"  64x64 pairs (covisibility 0.2-0.8): {pairRate:0.0} pairs/s");
        results["pairs_per_second_64"] = Math.Round(pairRate, 1);
        output ??= "docs/bench/scenes.json";
        BenchJson.Write(output, results);
        Console.WriteLine($"wrote {output}");
    }
}
