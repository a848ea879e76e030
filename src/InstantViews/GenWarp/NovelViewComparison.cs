using System.Diagnostics;
using InstantViews.GenWarp.Depth;
using InstantViews.Metrics;
using InstantViews.Runtime;
using InstantViews.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// One method of a comparison: views for a batch at the evaluation size, given what the batch was warped from (with the
/// seed fixing its noise), and evaluations per view.
/// </summary>
public sealed record ComparedMethod(string Name, Func<NovelViewBatch, WarpInputs, long, (Tensor Views, int Nfe)> Generate, long Parameters = 0)
{
    /// <summary>
    /// A generator as a method (its name, by default, the generator's kind). When the evaluation pairs are larger than
    /// the generator's working size, it works at its size (the inputs resized: source by area, depth nearest) and its
    /// views are upsampled (bicubic) to the pairs' size, with "@size" added to its name.
    /// </summary>
    public static ComparedMethod From(INovelViewGenerator generator, long parameters, int evaluationResolution, string? name = null)
    {
        var own = generator.Resolution;
        if (own == evaluationResolution) return new(name ?? generator.Kind, generator.Generate, parameters);
        return new(name ?? $"{generator.Kind}@{own}", (batch, inputs, seed) =>
        {
            var (views, nfe) = AtOwnSize(generator, inputs, seed, batch.Source.device);
            return (Imaging.Resize.To(views, (int)batch.Source.shape[2], (int)batch.Source.shape[3], Imaging.ResizeFilter.Bicubic).clamp(-1, 1), nfe);
        }, parameters);
    }

    /// <summary>
    /// A generator's views composed with the warp at the pairs' size (<see cref="ViewComposition"/>): the warp's pixels
    /// where the source sees, the generated view (upsampled) in the holes. Named "KIND+compose".
    /// </summary>
    public static ComparedMethod Composed(INovelViewGenerator generator, long parameters, string? name = null) =>
        new(name ?? $"{generator.Kind}+compose", (batch, inputs, seed) =>
        {
            var (views, nfe) = AtOwnSize(generator, inputs, seed, batch.Source.device);
            var composed = Enumerable.Range(0, (int)batch.Source.shape[0])
                .Select(i => ViewComposition.Compose(batch.WarpedRgb[i], batch.HoleMask[i, 0], views[i])).ToArray();
            return (stack(composed), nfe);
        }, parameters);

    static (Tensor Views, int Nfe) AtOwnSize(INovelViewGenerator generator, WarpInputs inputs, long seed, Device device)
    {
        var (h, w) = ((int)inputs.Source.shape[2], (int)inputs.Source.shape[3]);
        var m = generator.SizeMultiple;
        var ow = Math.Max(m, generator.Resolution / m * m);
        var oh = Math.Max(m, (int)Math.Round((double)ow * h / w / m) * m);
        var own = inputs.Resized(oh, ow);
        return generator.Generate(own.Batch().To(device), own, seed);
    }

    /// <summary>The forward warp alone, holes left grey: no network.</summary>
    public static ComparedMethod WarpOnly { get; } = new("warp-only", (b, _, _) => (b.WarpedRgb, 0));
}

/// <summary>Settings of a novel-view comparison: pairs per covisibility range, batch, render quality, seed, depth model.</summary>
public sealed record ComparisonSettings
{
    public int PairsPerRange { get; init; } = 64;
    public int Batch { get; init; } = 8;
    public int Spp { get; init; } = 2;
    public long Seed { get; init; }
    /// <summary>The depth network of the estimated-depth table (null or missing: that table is skipped).</summary>
    public string? DepthModel { get; init; }
}

/// <summary>The rows of a comparison, the notes it made (missing tables, short ranges) and its wall time.</summary>
public sealed record ComparisonResult(IReadOnlyList<EvalRow> Rows, IReadOnlyList<string> Notes, double Minutes);

/// <summary>
/// `genwarp eval` as a library call: selects evaluation pairs by covisibility range (mid, long), then scores every
/// method on the same pairs with estimated source depth and with ground-truth depth, writing results.csv and one
/// example grid per method, range and depth source. Features stream per batch (<see cref="NovelViewEvaluation"/>).
/// </summary>
public static class NovelViewComparison
{
    public static ComparisonResult Run(IReadOnlyList<ComparedMethod> methods, int resolution, ComparisonSettings settings, string outDir, Device? device = null)
    {
        var dev = device ?? CPU;
        var n = settings.PairsPerRange;
        if (n < 2) throw new UserError($"--pairs must be at least 2 (KID and FD need two samples), got {n}");
        var notes = new List<string>();
        var streamConfig = new SceneStreamConfig(resolution, resolution, settings.Spp, SceneSplit.Eval, settings.Seed, MinCovisibility: 0.2, MaxCovisibility: 0.8);
        using var gt = new ScenePairs(streamConfig);
        var tables = new List<ScenePairs> { gt };
        if (settings.DepthModel is { } depthPath && File.Exists(depthPath)) tables.Insert(0, new ScenePairs(streamConfig, BuiltinDepth.Load(depthPath, dev)));
        else notes.Add($"no depth model ({settings.DepthModel ?? $"models/{BuiltinDepth.ShippedFile} not found"}): the estimated-depth table is skipped, only the ground-truth-depth table is produced. Train one with `instantviews depth train` or pass --depth-model.");
        var selected = NovelViewEvaluation.SelectPairs(gt, n, 8 * n);
        foreach (var (range, list) in selected)
            if (list.Count < n) notes.Add($"only {list.Count} {range}-range pairs found in {8 * n} renders");
        Directory.CreateDirectory(outDir);
        using var features = new ResNet18Features();
        features.to(dev);
        features.eval();
        var evaluation = new NovelViewEvaluation(features, dev, settings.Batch);
        var rows = new List<EvalRow>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var progress = Progress.Start("genwarp eval", tables.Count * selected.Count * methods.Count, "tables");
            foreach (var data in tables)
                foreach (var (range, list) in selected)
                {
                    if (list.Count < 2) continue;
                    foreach (var method in methods)
                    {
                        var nfe = 0;
                        var (row, examples) = evaluation.Evaluate(method.Name, range, data, list, (b, inputs) =>
                        {
                            var (views, k) = method.Generate(b, inputs, settings.Seed);
                            nfe = k;
                            return views;
                        });
                        rows.Add(row with { Nfe = nfe, Parameters = method.Parameters });
                        NovelViewEvaluation.WriteExamples(Path.Combine(outDir, $"examples-{method.Name}-{range}-{data.DepthName}.png"), examples);
                        examples.Dispose();
                        progress.Advance(1, $"{method.Name} {range} {data.DepthName}");
                    }
                }
        }
        finally
        {
            foreach (var t in tables.Where(t => t != gt)) t.Dispose();
        }
        Imaging.AtomicFile.WriteText(Path.Combine(outDir, "results.csv"), EvalRow.CsvHeader + "\n" + string.Join("\n", rows.Select(r => r.ToCsv())) + "\n");
        return new ComparisonResult(rows, notes, clock.Elapsed.TotalMinutes);
    }
}
