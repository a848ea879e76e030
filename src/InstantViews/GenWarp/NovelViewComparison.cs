using System.Diagnostics;
using System.Globalization;
using InstantViews.GenWarp.Depth;
using InstantViews.Metrics;
using InstantViews.Runtime;
using InstantViews.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// One method of a comparison: views for a batch at the evaluation size, given what the batch was warped from (with the
/// seed fixing its noise), and network evaluations per view, counting GenWarp's semantic-preserver pass (every pair has its
/// own source, so each view pays for one).
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
        if (own == evaluationResolution) return new(name ?? generator.Kind, (batch, inputs, seed) => Counted(generator, () => generator.Generate(batch, inputs, seed)), parameters);
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
        return Counted(generator, () => generator.Generate(own.Batch().To(device), own, seed));
    }

    /// <summary>The generator's evaluations per view plus one if it has a semantic preserver (a cache hit on the same
    /// sources in another method's turn does not make a fresh source's view cheaper).</summary>
    static (Tensor Views, int Nfe) Counted(INovelViewGenerator generator, Func<(Tensor Views, int Nfe)> generate)
    {
        var (views, nfe) = generate();
        return (views, nfe + (generator.PreserverRuns > 0 ? 1 : 0));
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
    /// <summary>The depth network of the estimated-depth table (null or missing: that table is skipped, unless it is the only one asked for).</summary>
    public string? DepthModel { get; init; }
    /// <summary>Which depth tables to score: both (the default), only the estimated-depth one, or only the ground-truth one.</summary>
    public DepthTables Depths { get; init; } = DepthTables.Both;
    /// <summary>
    /// What else the scores depend on that the comparison cannot see, by option name (the models' content hashes,
    /// the sampler and its steps, guidance and sigma_max): recorded in every shard file with the settings above, so
    /// that shards of other models or settings are not merged.
    /// </summary>
    public IReadOnlyDictionary<string, string> Recorded { get; init; } = new Dictionary<string, string>();
}

/// <summary>The source-depth tables of a comparison.</summary>
public enum DepthTables { Both, Estimated, GroundTruth }

/// <summary>The rows of a comparison, the notes it made (missing tables, short ranges) and its wall time.</summary>
public sealed record ComparisonResult(IReadOnlyList<EvalRow> Rows, IReadOnlyList<string> Notes, double Minutes);

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
        if (n < 2) throw new UserError($"--pairs must be at least 2 (KID and FD need two samples), got {n}");
        var part = shard is { Count: > 1 } s ? s : (Shard?)null;
        var notes = new List<string>();
        var streamConfig = new SceneStreamConfig(resolution, resolution, settings.Spp, SceneSplit.Eval, settings.Seed, MinCovisibility: 0.2, MaxCovisibility: 0.8);
        using var gt = new ScenePairs(streamConfig);
        var tables = new List<ScenePairs>();
        if (settings.Depths != DepthTables.Estimated) tables.Add(gt);
        var hasDepthModel = settings.DepthModel is { } depthPath && File.Exists(depthPath);
        var missing = settings.DepthModel ?? $"models/{BuiltinDepth.ShippedFile} not found";
        if (settings.Depths == DepthTables.Estimated && !hasDepthModel)
            throw new UserError($"only the estimated-depth table was asked for, but there is no depth model ({missing}); pass --depth-model");
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
