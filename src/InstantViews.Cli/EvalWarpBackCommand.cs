using System.CommandLine;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.NovelViews.Evaluation;
using InstantViews.Runtime;
using InstantViews.Scenes;

namespace InstantViews.Cli;

/// <summary>`instantviews eval warpback`: every fill on warp-back pairs of the real-photo corpus (its validation photos by default).</summary>
public static class EvalWarpBackCommand
{
    public static Command Build()
    {
        var photos = new Option<string>("--photos") { Description = "The real-photo corpus (scripts/realphotos DIR)", Required = true };
        var split = new Option<PhotoSplit>("--split") { Description = "Photos to draw pairs from: validation (default), training or all", DefaultValueFactory = _ => PhotoSplit.Validation };
        var count = new Option<int>("--count") { Description = "Pairs", DefaultValueFactory = _ => 64 };
        var defaults = new WarpBackSettings();
        var size = new Option<int>("--size") { Description = "Side of the square pairs, pixels", DefaultValueFactory = _ => defaults.Size };
        var maxDisparity = new Option<double>("--max-disparity") { Description = "Largest sideways step: the nearest points move by half to all of this fraction of the width", DefaultValueFactory = _ => defaults.MaxDisparity };
        var occluders = new Option<double>("--occluders") { Description = "The chance (0 to 1) that a pair's crop gets an occluder (a blob of another photo in front of it), for holes enclosed by seen pixels", DefaultValueFactory = _ => defaults.Occluders };
        var models = new Option<string[]>("--model") { Description = "View models to compose into the warp (repeat; default: the shipped one-step models)" };
        var depth = new Option<string>("--depth") { Description = "Depth of the photos: builtin, builtin:FILE or onnx:FILE", DefaultValueFactory = _ => "builtin" };
        var csv = new Option<string?>("--csv") { Description = "Write the rows to this CSV file" };
        var saveViews = new Option<string?>("--save-views") { Description = "Write every pair's source, target and predicted views as PNGs into this folder" };
        var cmd = new Command("warpback", "Warp-back pairs of real photos (each photo stepped sideways and back: the holes' truth is the photo): every fill scored on the holes and the rest, averaged over the pairs")
        { photos, split, count, size, maxDisparity, occluders, models, depth, csv, saveViews };
        var noiseScale = NovelViewOptions.NoiseScaleOption();
        cmd.Options.Add(noiseScale);
        var composition = CompositionOptions.Create();
        composition.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            if (p.GetValue(csv) is { } csvPath) OutputPaths.File(csvPath, ".csv");
            if (p.GetValue(saveViews) is { } viewsPath) OutputPaths.Folder(viewsPath);
            var modelPaths = (p.GetValue(models) is { Length: > 0 } given ? given : ["genwarp-1step", "genwarp-1step-64", "genwarp-1step-128"]).Select(ModelFiles.Resolve).ToList();
            var settings = new WarpBackSettings(Size: p.GetValue(size), MaxDisparity: p.GetValue(maxDisparity), Occluders: p.GetValue(occluders));
            var splitName = p.GetValue(split).ToString().ToLowerInvariant();
            var corpus = PhotoCorpus.Load(p.GetValue(photos)!, maxSide: settings.PhotoSide, split: p.GetValue(split));
            var fills = StereoEvaluation.Fills(modelPaths, ctx.Seed, ctx.Device, composition.Settings(p), new SamplingOverrides(NoiseScale: p.GetValue(noiseScale)));
            using var pairs = WarpBackPairs.FromCorpus(corpus, DepthSource.Open(p.GetValue(depth)!, ctx.Device), settings, ctx.Seed);
            using var net = new ResNet18Features();
            var n = p.GetValue(count);
            var result = WarpBackBenchmark.Run(pairs, n, fills, new PerceptualDistance(net), done => { if (!ctx.Quiet) Console.Error.Write($"\rpair {done}/{n}"); },
                p.GetValue(saveViews) is { } folder ? StereoEvaluation.ViewSaver(folder) : null);
            if (!ctx.Quiet) Console.Error.WriteLine();
            Console.WriteLine($"{n} warp-back pairs of {pairs.PhotoCount} {splitName} photos, {settings.Size}x{settings.Size}; " +
                $"{Math.Round(result.CovisibleFraction * 100)} % of each view seen on average (occ: the round trip's holes), " +
                (double.IsNaN(result.EnclosedHoles) ? "no holes" : $"{Math.Round(result.EnclosedHoles * 100)} % of the holes enclosed (seen pixels on every side)") +
                (settings.Occluders > 0 ? $"; occluders in {settings.Occluders * 100:0} % of the attempts at a pair" : ""));
            EvalStereoCommand.PrintRows(result.Rows);
            if (p.GetValue(csv) is { } path)
            {
                AtomicFile.WriteText(path, StereoEvaluation.Csv($"warpback-{splitName}", result));
                Console.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return cmd;
    }
}
