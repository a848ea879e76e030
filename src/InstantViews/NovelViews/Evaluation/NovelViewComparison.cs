using System.Diagnostics;
using System.Globalization;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Metrics;
using InstantViews.Runtime;
using InstantViews.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// `genwarp eval` as a library call: selects evaluation pairs by covisibility range (mid, long), then scores every
/// method on the same pairs with estimated source depth and with ground-truth depth, writing results.csv and one
/// example grid per method, range and depth source. Features stream per batch (<see cref="NovelViewEvaluation"/>).
/// </summary>
public static class NovelViewComparison
{
    /// <summary>
    /// Runs the comparison. With a <paramref name="shard"/> of more than one, this process scores only the batches b with
    /// b mod count = index (of every method, range and depth) and writes them to shard-i-of-n.safetensors in
    /// <paramref name="outDir"/>, returning no rows; <see cref="Merge"/> then gives the rows and results.csv a single
    /// process would have written, byte for byte (batches are the same pairs with the same seed in either case).
    /// </summary>
    public static ComparisonResult Run(IReadOnlyList<ComparedMethod> methods, int resolution, ComparisonSettings settings, string outDir, Device? device = null, Shard? shard = null)
    {
        var dev = device ?? CPU;
        var n = settings.PairsPerRange;
        if (n < 2) throw new UserError($"pairs per range must be at least 2 (KID and FD need two samples), got {n}");
        var part = shard is { Count: > 1 } s ? s : (Shard?)null;
        var notes = new List<string>();
        if (settings.Split is not (SceneSplit.Eval or SceneSplit.Validation)) throw new ArgumentException($"compared pairs come from the test or the validation split, not {settings.Split}");
        var streamConfig = new SceneStreamConfig(resolution, resolution, settings.Spp, settings.Split, settings.Seed, MinCovisibility: 0.2, MaxCovisibility: 0.8);
        using var gt = new ScenePairs(streamConfig);
        var tables = new List<ScenePairs>();
        if (settings.Depths != DepthTables.Estimated) tables.Add(gt);
        var hasDepthModel = settings.DepthModel is { } depthPath && File.Exists(depthPath);
        var missing = settings.DepthModel ?? $"models/{BuiltinDepth.ShippedFile} not found";
        if (settings.Depths == DepthTables.Estimated && !hasDepthModel)
            throw new UserError($"only the estimated-depth table was asked for, but there is no depth model ({missing}); give one");
        if (settings.Depths != DepthTables.GroundTruth)
        {
            if (hasDepthModel) tables.Insert(0, new ScenePairs(streamConfig, BuiltinDepth.Load(settings.DepthModel!, dev)));
            else notes.Add($"no depth model ({missing}): the estimated-depth table is skipped, only the ground-truth-depth table is produced. Train one with `instantviews depth train` or pass --depth-model.");
        }
        var selected = NovelViewEvaluation.SelectPairs(gt, n, 8 * n);
        foreach (var (range, list) in selected)
            if (list.Count < n) notes.Add($"only {list.Count} {range}-range pairs found in {8 * n} renders");
        // What a shard records besides the caller's settings: hashed before the work, as the models it is done with.
        var recorded = part is null ? null : new Dictionary<string, string>(settings.Recorded)
        {
            ["--pairs"] = n.ToString(CultureInfo.InvariantCulture),
            ["--spp"] = settings.Spp.ToString(CultureInfo.InvariantCulture),
            ["--seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["--split"] = settings.Split.ToString(),
            ["--resolution"] = resolution.ToString(CultureInfo.InvariantCulture),
            ["--depth"] = settings.Depths.ToString(),
            ["--depth-model"] = hasDepthModel && settings.Depths != DepthTables.GroundTruth ? Checkpoint.ContentHash(settings.DepthModel!) : "(not used)",
        };
        Directory.CreateDirectory(outDir);
        if (part is { } own) ShardFile.RemoveLeftovers(outDir, own);
        using var features = new ResNet18Features();
        features.to(dev);
        features.eval();
        var evaluation = new NovelViewEvaluation(features, dev, settings.Batch);
        var rows = new List<EvalRow>();
        var shardParts = new List<ShardPart>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var progress = Progress.Start(part is { } ps ? $"genwarp eval shard {ps}" : "genwarp eval", tables.Count * selected.Count * methods.Count, "tables");
            foreach (var data in tables)
                foreach (var (range, list) in selected)
                {
                    if (list.Count < 2) continue;
                    foreach (var method in methods)
                    {
                        var nfe = 0;
                        Tensor Generate(NovelViewBatch b, WarpInputs inputs)
                        {
                            var (views, k) = method.Generate(b, inputs, settings.Seed);
                            nfe = k;
                            return views;
                        }
                        var examplesPath = Path.Combine(outDir, $"examples-{method.Name}-{range}-{data.DepthName}.png");
                        if (part is { } p)
                        {
                            var batches = new List<(int Index, BatchScores Scores)>();
                            for (int b = p.Index; b < evaluation.BatchCount(list.Count); b += p.Count)
                                batches.Add((b, evaluation.ScoreBatch(data, evaluation.BatchOf(list, b), Generate, b == 0 ? 4 : 0)));
                            if (batches.Count > 0 && batches[0].Index == 0) NovelViewEvaluation.WriteExamples(examplesPath, batches[0].Scores.Examples!);
                            shardParts.Add(new ShardPart(data.DepthName, range, list.Count, method.Name, nfe, method.Parameters, batches));
                        }
                        else
                        {
                            var (row, examples) = evaluation.Evaluate(method.Name, range, data, list, Generate);
                            rows.Add(row with { Nfe = nfe, Parameters = method.Parameters });
                            NovelViewEvaluation.WriteExamples(examplesPath, examples);
                            examples.Dispose();
                        }
                        progress.Advance(1, $"{method.Name} {range} {data.DepthName}");
                    }
                }
        }
        finally
        {
            foreach (var t in tables.Where(t => t != gt)) t.Dispose();
        }
        if (part is { } done)
        {
            var file = ShardFile.Write(outDir, done, settings.Batch, recorded!, shardParts, notes);
            foreach (var sp in shardParts)
                foreach (var (_, b) in sp.Batches) b.Dispose();
            notes.Add($"shard {done} written to {file}; when every shard is done: instantviews genwarp eval-merge --out {outDir}");
            return new ComparisonResult([], notes, clock.Elapsed.TotalMinutes);
        }
        WriteCsv(outDir, rows);
        return new ComparisonResult(rows, notes, clock.Elapsed.TotalMinutes);
    }

    /// <summary>
    /// Merges the shard files of <paramref name="outDir"/> (all of one sharded run, every shard present) into the rows a
    /// single process would have produced, and writes results.csv.
    /// </summary>
    public static ComparisonResult Merge(string outDir)
    {
        var clock = Stopwatch.StartNew();
        var (parts, notes, batchSize) = ShardFile.ReadAll(outDir);
        var rows = new List<EvalRow>();
        foreach (var group in parts.GroupBy(p => (p.Depth, p.Range, p.Method)))
        {
            var first = group.First();
            var batches = group.SelectMany(p => p.Batches).OrderBy(b => b.Index).ToList();
            var expected = (first.Pairs + batchSize - 1) / batchSize;
            if (batches.Count != expected || batches.Select((b, i) => b.Index != i).Any(x => x))
                throw new UserError($"'{outDir}': {group.Key.Method} {group.Key.Range} {group.Key.Depth} has batches [{string.Join(", ", batches.Select(b => b.Index))}] of {expected}: a shard is missing or from another run");
            var row = NovelViewEvaluation.Summarise(first.Method, first.Range, first.Depth, batches.Select(b => b.Scores).ToList());
            rows.Add(row with { Nfe = group.Max(p => p.Nfe), Parameters = first.Parameters });
            foreach (var (_, b) in batches) b.Dispose();
        }
        WriteCsv(outDir, rows);
        return new ComparisonResult(rows, notes, clock.Elapsed.TotalMinutes);
    }

    static void WriteCsv(string outDir, IEnumerable<EvalRow> rows) =>
        Imaging.AtomicFile.WriteText(Path.Combine(outDir, "results.csv"), EvalRow.CsvHeader + "\n" + string.Join("\n", rows.Select(r => r.ToCsv())) + "\n");
}
