using System.Diagnostics;
using InstantViews.Scenes;

namespace InstantViews.Bench;

/// <summary>Views per second of the scene renderer at 4 spp, views spread over all cores as the stream does it.</summary>
static class ScenesBench
{
    public static void Run(double seconds)
    {
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
        Console.WriteLine($"  64x64 pairs (covisibility 0.2-0.8): {pn / pc.Elapsed.TotalSeconds:0.0} pairs/s");
    }
}
