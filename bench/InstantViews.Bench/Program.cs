using InstantViews.Bench;
using InstantViews.Nn;
using InstantViews.Runtime;

// Benchmarks print their figures and write JSON results; `--help` lists them.
TorchRuntime.EnsureLoaded();
TorchRuntime.SetThreads(int.TryParse(Environment.GetEnvironmentVariable("BENCH_THREADS"), out var benchThreads) ? benchThreads : 0);
var which = args.Length > 0 ? args[0] : "--help";
var json = args.Length > 1 ? args[1] : null;
try { return Run(); }
catch (UserError e)
{
    // Bad arguments or files: one line, no stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

int Run()
{
    switch (which)
    {
        case "matmul":
            Console.WriteLine($"matmul fp32: {TorchRuntime.MeasureMatmulGflops(2.0):0.0} GFLOP/s");
            return 0;
        case "diffusion":
            DiffusionBench.Run(UNetPresets.All["teacher16"], "teacher16", 32, json);
            return 0;
        case "stream":
            {
                // Views/s of SceneStream.NextBatch at a resolution and spp (what a trainer sees).
                var res = args.Length > 1 ? int.Parse(args[1]) : 16;
                var spp = args.Length > 2 ? int.Parse(args[2]) : 16;
                using var stream = new InstantViews.Scenes.SceneStream(new InstantViews.Scenes.SceneStreamConfig(res, res, spp));
                stream.NextBatch(32).Dispose();
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var n = 0;
                while (sw.Elapsed.TotalSeconds < 5) { stream.NextBatch(32).Dispose(); n += 32; }
                Console.WriteLine($"SceneStream {res}x{res}, {spp} spp: {n / sw.Elapsed.TotalSeconds:0.0} views/s");
                return 0;
            }
        case "consistency":
            ConsistencyBench.Run(args.Length > 1 ? args[1] : "genwarp-1step-128.safetensors", args.Length > 2 ? args[2] : null);
            return 0;
        case "depth-views":
            DepthViewsBench.Run(args.Length > 1 ? args[1] : null, args.Length > 2 ? args[2] : "depth-views.png");
            return 0;
        case "quality":
            QualityBench.Run(args);
            return 0;
        case "scenes":
            InstantViews.Bench.ScenesBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3.0,
                args.Length > 2 ? args[2] : null);
            return 0;
        case "metrics":
            InstantViews.Bench.MetricsBench.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5.0,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2000,
                args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 64);
            return 0;
        case "depth-edges":
            {
                // The threshold sweep behind LayerMesh.DefaultThreshold, on validation scenes (one view each).
                var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 24;
                var file = args.Length > 2 ? args[2] : "docs/results/depth-edge-threshold.csv";
                var pairs = InstantViews.Lifting.DepthEdgeSweep.Classify(Enumerable.Range(0, count).Select(k => InstantViews.Scenes.SceneStream.ValidationSeedStart + k));
                var csv = InstantViews.Lifting.DepthEdgeSweep.Csv(pairs, [0.01, 0.02, 0.05, 0.1, 0.2, 0.3]);
                Console.Write(csv);
                InstantViews.Imaging.AtomicFile.WriteText(file, csv);
                Console.WriteLine($"wrote {file}");
                return 0;
            }
        case "warp":
            TorchRuntime.SetThreads(args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0);
            WarpBench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20);
            return 0;
        case "geometry":
            if (args.Length < 2) { Console.Error.WriteLine("usage: bench geometry <genwarp model> [pairs] [results.json]"); return 2; }
            GeometryBench.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16, args.Length > 3 ? args[3] : null);
            return 0;
        case "compose":
            ComposeBench.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1024,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 683,
                args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 128, 10,
                args.Length > 4 ? args[4] : null);
            return 0;
        case "onestep":
            if (args.Length < 3) { Console.Error.WriteLine("usage: bench onestep <one-step model> <genwarp model> [results.json]"); return 2; }
            OneStepBench.Run(args[1], args[2], args.Length > 3 ? args[3] : null);
            return 0;
        case "upscale":
            if (args.Length < 3) { Console.Error.WriteLine("usage: bench upscale <grown generator> <teacher> [count]"); return 2; }
            UpscaleBench.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 256);
            return 0;
        case "growth":
            {
                // bench growth <one-step model>... [results.json] [--photo WxH] [--seam]
                var seam = args.Contains("--seam");
                args = args.Where(a => a != "--seam").ToArray();
                var at = Array.IndexOf(args, "--photo");
                var photo = at > 0 && at + 1 < args.Length ? args[at + 1].Split('x').Select(int.Parse).ToArray() : [1024, 683];
                var models = args.Skip(1).Where((a, i) => i + 1 != at && i + 1 != at + 1 && !a.EndsWith(".json", StringComparison.Ordinal)).ToList();
                if (models.Count == 0) { Console.Error.WriteLine("usage: bench growth <one-step model>... [results.json] [--photo WxH] [--seam]"); return 2; }
                GrowthBench.Run(models, args.Skip(1).FirstOrDefault(a => a.EndsWith(".json", StringComparison.Ordinal)), photo[0], photo[1], seam);
                return 0;
            }
        case "lift":
            // bench lift [one-step model] [results.json] [sheet.png]
            LiftBench.Run(args.Length > 1 && !args[1].EndsWith(".json", StringComparison.Ordinal) && !args[1].EndsWith(".png", StringComparison.Ordinal) ? args[1] : "genwarp-1step-128.safetensors",
                args.FirstOrDefault(a => a.EndsWith(".json", StringComparison.Ordinal)), args.FirstOrDefault(a => a.EndsWith(".png", StringComparison.Ordinal)));
            return 0;
        case "lift-photo":
            if (args.Length < 3) { Console.Error.WriteLine("usage: bench lift-photo <image> <sheet.png> [one-step model]"); return 2; }
            LiftBench.Photo(args[1], args[2], args.Length > 3 ? args[3] : "genwarp-1step-128.safetensors");
            return 0;
        case "memory":
            if (args.Length < 4) { Console.Error.WriteLine("usage: bench memory <instantviews program> <results.json> \"<command>\"..."); return 2; }
            MemoryBench.Run(args[1], args[2], args[3..]);
            return 0;
        case "mutation-scores":
            // mutation-scores OUT.json GROUP=REPORT...: Stryker reports into the data file of docs/testing.md's table.
            if (args.Length < 3) { Console.Error.WriteLine("usage: bench mutation-scores <out.json> <group>=<mutation-report.json>..."); return 2; }
            MutationScores.Run(args[1], args[2..]);
            return 0;
        case "tables":
            {
                // Rewrites every marked table from its data file (--check: only lists the documents that differ).
                var root = Directory.GetCurrentDirectory();
                if (args.Length > 1 && args[1] == "--check")
                {
                    var drifted = ResultTables.Drifted(root);
                    foreach (var f in drifted) Console.WriteLine($"differs from its data: {Path.GetRelativePath(root, f)}");
                    return drifted.Count == 0 ? 0 : 1;
                }
                foreach (var f in ResultTables.Documents(root))
                {
                    var text = File.ReadAllText(f);
                    var updated = ResultTables.Update(text, root);
                    if (updated == text) continue;
                    File.WriteAllText(f, updated);
                    Console.WriteLine($"updated {Path.GetRelativePath(root, f)}");
                }
                return 0;
            }
        case "viewer":
            if (args.Length < 2) { Console.Error.WriteLine("usage: bench viewer <instantviews program or InstantViews.Cli.dll> [model] [output folder]"); return 2; }
            ViewerBench.Run(args[1], args.Length > 2 ? args[2] : "genwarp-1step.safetensors", args.Length > 3 ? args[3] : "bench-viewer").GetAwaiter().GetResult();
            return 0;
        default:
            Console.WriteLine("usage: bench <name> [args]   names: matmul, diffusion [results.json], quality --teacher T [--base G] [--grown G] [--variant LABEL=G]... [--skip-teacher] [--count N] [--json F] [--csv F] [--grids DIR], stream [res] [spp], scenes [seconds] [json], metrics [seconds] [fd-count] [fd-size], depth-edges [scenes] [csv], warp [frames] [threads], geometry <genwarp model> [pairs] [json], onestep <one-step model> <genwarp model> [json], compose [width] [height] [generated width] [results.json], growth <one-step model>... [json] [--photo WxH] [--seam], upscale <generator> <teacher> [count], lift [one-step model] [json] [sheet.png], lift-photo <image> <sheet.png> [model], viewer <program> [model] [folder], tables [--check] (run in the repository), memory <program> <json> \"<command>\"...");
            return which == "--help" ? 0 : 2;
    }
}
