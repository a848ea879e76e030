using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>Forward splatting per frame (RGB and the 10-channel embedding) at 64/128/256, and the depth network per image.</summary>
static class WarpBench
{
    static double MeanMs(Action run, int reps)
    {
        run();
        run();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) run();
        return clock.Elapsed.TotalMilliseconds / reps;
    }

    public static void Run(int reps)
    {
        var results = new JsonObject { ["benchmark"] = "warp", ["threads"] = get_num_threads(), ["cores"] = Environment.ProcessorCount, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        Console.WriteLine($"warp: forward softmax splatting, {get_num_threads()} threads, mean of {reps} frames");
        foreach (var size in new[] { 64, 128, 256 })
        {
            var src = Camera.FromFov(size, size, 65);
            var tgt = src.WithPose(new RigidTransform(Mat3.RotationY(0.1), new Vec3(0.2, 0, 0.1)));
            var rgb = rand(3, size, size) * 2 - 1;
            var depth = rand(size, size) * 4 + 1;
            var grid = CoordinateEmbedding.Grid(size, size);
            using var noGrad = no_grad();
            var rgbMs = MeanMs(() => { using var s = NewDisposeScope(); ForwardSplat.Warp(rgb, depth, src, tgt); }, reps);
            var embMs = MeanMs(() => { using var s = NewDisposeScope(); ForwardSplat.Warp(grid, depth, src, tgt); }, reps);
            Console.WriteLine($"  {size}x{size}: RGB {rgbMs,7:0.00} ms/frame ({1000 / rgbMs,6:0} fps); 10-channel embedding {embMs,7:0.00} ms/frame");
            results[$"splat_rgb_ms_{size}"] = Math.Round(rgbMs, 2);
            results[$"splat_embedding_ms_{size}"] = Math.Round(embMs, 2);
        }
        var shipped = BuiltinDepth.FindShipped();
        var net = shipped is not null ? BuiltinDepth.Load(shipped).Net : DepthResNet.FromImageNet(new DepthResNetConfig());
        using var noGrad2 = no_grad();
        // A 1024x683 photo: the network resizes it to its own input and its prediction back to the photo's size.
        var photo = rand(3, 683, 1024) * 2 - 1;
        var depthMs = MeanMs(() => { using var s = NewDisposeScope(); net.Predict(photo); }, Math.Max(3, reps / 10));
        Console.WriteLine($"  depth network ({(shipped is null ? "untrained v2" : "shipped")}: {net.Summary}): {depthMs:0.0} ms per 1024x683 photo");
        results["depth_ms_1024x683"] = Math.Round(depthMs, 2);
        BenchJson.Write("docs/bench/warp.json", results);
        Console.WriteLine("wrote docs/bench/warp.json");
    }
}
