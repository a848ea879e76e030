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
    default:
        Console.WriteLine("usage: bench <name> [results.json]   names: matmul, diffusion");
        return which == "--help" ? 0 : 2;
}
