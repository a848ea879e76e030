using InstantViews.Bench;
using InstantViews.Nn;
using InstantViews.Runtime;

// Benchmarks print their figures and write JSON results; `--help` lists them.
TorchRuntime.EnsureLoaded();
TorchRuntime.SetThreads(0);
var which = args.Length > 0 ? args[0] : "--help";
var json = args.Length > 1 ? args[1] : null;
switch (which)
{
    case "matmul":
        Console.WriteLine($"matmul fp32: {TorchRuntime.MeasureMatmulGflops(2.0):0.0} GFLOP/s");
        return 0;
    case "diffusion":
        DiffusionBench.Run(UNetPresets.All["teacher16"], "teacher16", 32, json);
        return 0;
    case "scenes":
        InstantViews.Bench.ScenesBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3.0);
        return 0;
    case "warp":
        TorchRuntime.SetThreads(args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0);
        WarpBench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20);
        return 0;
    default:
        Console.WriteLine("usage: bench <name> [args]   names: matmul, diffusion [results.json], scenes [seconds], warp [frames] [threads]");
        return which == "--help" ? 0 : 2;
}
