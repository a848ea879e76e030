using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Metrics;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>ResNet-18 features per second at 64x64 and 224x224 (batch 32), and FD/KID of 2,000 vs 2,000 images end to end.</summary>
static class MetricsBench
{
    public static void Run(double seconds, int fdCount, int fdSize)
    {
        Console.WriteLine($"metrics: ResNet-18 (imported from ONNX), fp32, {get_num_threads()} threads");
        var load = Stopwatch.StartNew();
        using var net = new ResNet18Features();
        Console.WriteLine($"  load (converted-weights cache or ONNX): {load.Elapsed.TotalSeconds:0.00} s");
        var results = new JsonObject { ["benchmark"] = "metrics", ["threads"] = get_num_threads(), ["cores"] = Environment.ProcessorCount, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"), ["load_s"] = Math.Round(load.Elapsed.TotalSeconds, 2) };
        foreach (var size in new[] { 64, 224 })
        {
            var rate = FeaturesPerSecond(net, size, 32, seconds);
            var gmacs = Macs(size) / 1e9;
            Console.WriteLine($"  features {size}x{size}, batch 32: {rate,7:0.0} images/s ({gmacs:0.00} GMAC/image, {2 * gmacs * rate:0.0} GFLOP/s)");
            results[$"features_{size}_images_per_s"] = Math.Round(rate, 1);
            results[$"features_{size}_gflops"] = Math.Round(2 * gmacs * rate, 1);
        }

        // End to end as `instantviews eval fd --real scenes:<size>:<n>:0 --fake scenes:<size>:<n>:100000 --size <size>`:
        // rendering, features, statistics, FD and KID (100 subsets of 1,000).
        var clock = Stopwatch.StartNew();
        using var real = Scenes(fdSize, fdCount, 0);
        var a = FeatureExtraction.Extract(real, net, CPU, 32, fdSize, "real");
        using var fake = Scenes(fdSize, fdCount, 100_000);
        var b = FeatureExtraction.Extract(fake, net, CPU, 32, fdSize, "fake");
        var features = clock.Elapsed.TotalSeconds;
        var stats = Stopwatch.StartNew();
        var fd = Frechet.Distance(a, b);
        var fdTime = stats.Elapsed.TotalSeconds;
        var (kid, kidStd) = Kid.Compute(a.Features, b.Features);
        var kidTime = stats.Elapsed.TotalSeconds - fdTime;
        var total = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  FD {fdCount} vs {fdCount} scenes at {fdSize}x{fdSize} (features at {fdSize}x{fdSize}): " +
                          $"{total:0.0} s end to end (render + features {features:0.0} s, FD {fdTime:0.00} s, KID {kidTime:0.00} s)");
        Console.WriteLine($"  FD = {fd:0.000}, KID = {kid:0.00000} ± {kidStd:0.00000} (N = {a.Count} vs {b.Count}; two disjoint sets of evaluation scenes)");
        results["fd_count"] = fdCount;
        results["fd_size"] = fdSize;
        results["end_to_end_s"] = Math.Round(total, 1);
        results["render_and_features_s"] = Math.Round(features, 1);
        results["fd_s"] = Math.Round(fdTime, 2);
        results["kid_s"] = Math.Round(kidTime, 2);
        results["fd"] = Math.Round(fd, 3);
        results["kid"] = Math.Round(kid, 5);
        results["kid_std"] = Math.Round(kidStd, 5);
        BenchJson.Write("docs/bench/metrics.json", results);
        Console.WriteLine("wrote docs/bench/metrics.json");
    }

    static IImageSource Scenes(int size, int count, long seed)
    {
        var stream = new SceneStream(new SceneStreamConfig(Width: size, Height: size, Split: SceneSplit.Eval, Seed: seed));
        return new DelegateImageSource($"scenes {size}", count, stream.NextBatch, stream);
    }

    static double FeaturesPerSecond(ResNet18Features net, int size, int batch, double seconds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        var x = rand(batch, 3, size, size).mul(2).sub(1);
        net.forward(x); // warm-up
        var clock = Stopwatch.StartNew();
        long n = 0;
        do
        {
            using var inner = NewDisposeScope();
            net.forward(x);
            n += batch;
        } while (clock.Elapsed.TotalSeconds < seconds);
        return n / clock.Elapsed.TotalSeconds;
    }

    // Multiply-accumulates of the convolutions for one image (spatial sizes follow the strides; max pool after the stem).
    static double Macs(int size)
    {
        var w = ResNet18Weights.Load();
        double h = size, total = 0;
        var atBlockInput = 0.0;
        for (int i = 0; i < w.Convs.Count; i++)
        {
            var c = w.Convs[i];
            var k = c.Weight.shape;
            var isShortcut = k[2] == 1;
            var input = i == 0 ? size : (isShortcut ? atBlockInput : h);
            var output = Math.Ceiling(input / c.Stride);
            total += (double)k[0] * k[1] * k[2] * k[3] * output * output;
            if (i == 0) { h = Math.Ceiling(output / 2); atBlockInput = h; continue; }
            if (!isShortcut) h = output;
            // A block ends after its second 3x3 conv; the next block reads h.
            var next = i + 1 < w.Convs.Count ? w.Convs[i + 1].Weight.shape[2] : 0;
            if (!isShortcut && (next == 1 || IsSecondConv(w, i))) atBlockInput = h;
        }
        return total;
    }

    static bool IsSecondConv(ResNet18Weights.Converted w, int i)
    {
        // Convs after the stem come as [shortcut] a b; count 3x3 convs since the stem.
        var threes = 0;
        for (int j = 1; j <= i; j++) if (w.Convs[j].Weight.shape[2] == 3) threes++;
        return threes % 2 == 0;
    }
}
