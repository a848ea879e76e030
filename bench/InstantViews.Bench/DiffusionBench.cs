using System.Diagnostics;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// Diffusion core speed for a U-Net config: training images/s, sampling seconds per image for Euler and Heun at
/// several N, forward GFLOP per image, and the achieved GFLOP/s as a fraction of the measured matmul rate.
/// </summary>
public static class DiffusionBench
{
    public static void Run(UNetConfig cfg, string name, int batch, string? jsonOut)
    {
        var matmul = TorchRuntime.MeasureMatmulGflops(1.0);
        var r = cfg.Resolution;
        random.manual_seed(0);
        var net = new UNet(cfg);
        var gflopFwd = net.ForwardFlops(r, r) / 1e9;
        Console.WriteLine($"config {name}: {net.ParameterCount / 1e6:0.00}M params, {r}x{r}, forward {gflopFwd:0.000} GFLOP/image; matmul {matmul:0.0} GFLOP/s");

        // Training throughput (forward + backward ~ 3x forward FLOPs).
        var data = new FolderTrainingImages(rand(256, 3, r, r) * 2 - 1);
        using var tmp = new TempFolder();
        var trainer = DiffusionTrainer.Create(cfg, new TrainConfig { BatchSize = batch, SampleEvery = 0, CheckpointEvery = int.MaxValue, LogEvery = int.MaxValue }, data, tmp.Path);
        for (int i = 0; i < 3; i++) trainer.TrainStep();
        var sw = Stopwatch.StartNew();
        int steps = 0;
        while (sw.Elapsed.TotalSeconds < 10) { trainer.TrainStep(); steps++; }
        var trainIps = steps * batch / sw.Elapsed.TotalSeconds;
        var trainGflops = trainIps * 3 * gflopFwd;
        Console.WriteLine($"training: {trainIps:0.0} images/s (batch {batch}), ~{trainGflops:0.0} GFLOP/s = {trainGflops / matmul:P0} of matmul");

        net.eval();
        var den = new EdmDenoiser(net);
        var results = new List<object>();
        foreach (var (sampler, n) in new[] { ("euler", 10), ("euler", 40), ("heun", 10), ("heun", 18), ("heun", 40) })
        {
            using var scope = NewDisposeScope();
            using var noGrad = inference_mode();
            var count = 64;
            var x = randn(count, 3, r, r) * 80;
            var grid = NoiseGrid.Karras(n);
            var t = Stopwatch.StartNew();
            var res = sampler == "euler" ? Samplers.Euler(den, x, grid) : Samplers.Heun(den, x, grid);
            var sec = t.Elapsed.TotalSeconds / count;
            var achieved = res.Nfe * gflopFwd / sec;
            Console.WriteLine($"sampling {sampler,-5} N={n,2}: NFE {res.Nfe,2}, {sec * 1000:0.00} ms/image (batch {count}), {achieved:0.0} GFLOP/s = {achieved / matmul:P0} of matmul");
            results.Add(new { sampler, n, nfe = res.Nfe, ms_per_image = sec * 1000, gflops = achieved });
        }
        {
            using var noGrad = inference_mode();
            var x1 = randn(1, 3, r, r);
            for (int i = 0; i < 3; i++) net.Forward(x1, zeros(1)).Dispose();
            var t = Stopwatch.StartNew();
            for (int i = 0; i < 20; i++) net.Forward(x1, zeros(1)).Dispose();
            Console.WriteLine($"forward, batch 1: {t.Elapsed.TotalMilliseconds / 20:0.00} ms");
        }
        if (jsonOut is not null)
            File.WriteAllText(jsonOut, JsonSerializer.Serialize(new { config = name, parameters = net.ParameterCount, gflop_forward = gflopFwd, matmul_gflops = matmul, train_images_per_s = trainIps, batch, sampling = results }, Json.Options));
    }
}

sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("iv-bench-").FullName;
    public void Dispose() => Directory.Delete(Path, true);
}
