using InstantViews.Runtime;

// Benchmarks print their figures and write JSON results; `--help` lists them.
TorchRuntime.EnsureLoaded();
TorchRuntime.SetThreads(0);
var which = args.Length > 0 ? args[0] : "--help";
switch (which)
{
    case "matmul":
        Console.WriteLine($"matmul fp32: {TorchRuntime.MeasureMatmulGflops(2.0):0.0} GFLOP/s");
        return 0;
    case "scenes":
        InstantViews.Bench.ScenesBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3.0);
        return 0;
    case "metrics":
        InstantViews.Bench.MetricsBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5.0,
            args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000,
            args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 64);
        return 0;
    default:
        Console.WriteLine("usage: bench <name> [seconds]   names: matmul, scenes, metrics [seconds] [fd-count] [fd-size]");
        return which == "--help" ? 0 : 2;
}
