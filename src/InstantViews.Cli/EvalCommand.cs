using System.CommandLine;
using System.Globalization;
using System.Text;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Runtime;
using Spectre.Console;
using TorchSharp;

namespace InstantViews.Cli;

/// <summary>`instantviews eval fd|pairs`: distribution distances (FD, KID) and paired image metrics (PSNR, SSIM, perceptual).</summary>
public static class EvalCommand
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Build()
    {
        var cmd = new Command("eval", "Measure image quality: Fréchet distance and KID between sets, or PSNR/SSIM/perceptual between pairs; import and check real stereo pairs");
        cmd.Subcommands.Add(BuildFd());
        cmd.Subcommands.Add(BuildPairs());
        cmd.Subcommands.Add(EvalStereoImportCommand.Build());
        cmd.Subcommands.Add(EvalStereoInfoCommand.Build());
        cmd.Subcommands.Add(EvalStereoCommand.Build());
        cmd.Subcommands.Add(EvalWarpBackCommand.Build());
        return cmd;
    }

    static Command BuildFd()
    {
        var real = new Option<string>("--real") { Description = "Reference images: a folder, or scenes:<res>:<count>:<seed> (evaluation scenes)", Required = true };
        var fake = new Option<string>("--fake") { Description = "Images to evaluate: a folder, or scenes:<res>:<count>:<seed>", Required = true };
        var cache = new Option<string?>("--real-cache") { Description = "Feature file for the reference set: read if it exists, written otherwise" };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--size") { Description = "Images with a shorter side below this are upsampled before the features", DefaultValueFactory = _ => 224 };
        var subsets = new Option<int>("--kid-subsets") { Description = "KID subsets", DefaultValueFactory = _ => 100 };
        var subsetSize = new Option<int>("--kid-subset-size") { Description = "KID samples per subset (capped by the smaller set)", DefaultValueFactory = _ => 1000 };
        var cmd = new Command("fd", "Fréchet distance and KID on ResNet-18 pooled features; prints FD, KID and the sample counts")
        { real, fake, cache, batch, size, subsets, subsetSize };
        Cli.SetAction(cmd, (parse, ctx) =>
        {
            var b = Positive(parse.GetValue(batch), "--batch");
            var s = Positive(parse.GetValue(size), "--size");
            using var net = new ResNet18Features();
            net.to(ctx.Device);
            var cachePath = parse.GetValue(cache);
            // The cache records what it was made from, including the upsampling size that changes the features.
            var realKey = $"{parse.GetValue(real)} --size {s}";
            FeatureSet realSet;
            if (cachePath is not null && File.Exists(cachePath))
            {
                (realSet, var source) = FeatureSet.Load(cachePath);
                if (!ctx.Quiet) Console.Error.WriteLine($"reference features from {cachePath} ({source}, N={realSet.Count})");
                if (source != realKey) Console.Error.WriteLine($"warning: {cachePath} was made from '{source}', not '{realKey}'");
            }
            else
            {
                using var realSource = OpenSource(parse.GetValue(real)!);
                realSet = FeatureExtraction.Extract(realSource, net, ctx.Device, b, s, "real");
                if (cachePath is not null) realSet.Save(cachePath, realKey);
            }
            using var fakeSource = OpenSource(parse.GetValue(fake)!);
            var fakeSet = FeatureExtraction.Extract(fakeSource, net, ctx.Device, b, s, "fake");
            var fd = Frechet.Distance(realSet, fakeSet);
            var (kid, kidStd) = Kid.Compute(realSet.Features, fakeSet.Features, parse.GetValue(subsets), parse.GetValue(subsetSize), ctx.Seed);
            var n = $"N_real={realSet.Count} N_fake={fakeSet.Count}";
            Console.WriteLine($"FD   {fd.ToString("0.0000", Inv)}  ({n})");
            Console.WriteLine($"KID  {kid.ToString("0.000000", Inv)} ± {kidStd.ToString("0.000000", Inv)}  ({n})");
            return 0;
        });
        return cmd;
    }

    /// <summary>A folder path, or scenes:&lt;res&gt;:&lt;count&gt;:&lt;seed&gt; for procedurally rendered evaluation views.</summary>
    public static IImageSource OpenSource(string spec)
    {
        if (!spec.StartsWith("scenes:", StringComparison.Ordinal)) return new FolderImageSource(spec);
        var parts = spec.Split(':');
        if (parts.Length != 4 || !int.TryParse(parts[1], out var res) || !long.TryParse(parts[2], out var count) || !long.TryParse(parts[3], out var seed)
            || res < 1 || count < 2)
            throw new UserError($"'{spec}': expected scenes:<res>:<count>:<seed>, e.g. scenes:64:2000:0");
        return SceneImages.Eval(res, count, seed);
    }

    static Command BuildPairs()
    {
        var pred = new Option<string>("--pred") { Description = "Folder of predicted images", Required = true };
        var target = new Option<string>("--target") { Description = "Folder of target images with the same file names", Required = true };
        var mask = new Option<string?>("--mask") { Description = "Folder of masks with the same file names (white = counted)" };
        var csv = new Option<string>("--csv") { Description = "CSV file for the per-image figures", DefaultValueFactory = _ => "eval-pairs.csv" };
        var batch = new Option<int>("--batch") { Description = "Pairs per forward pass", DefaultValueFactory = _ => 8 };
        var size = new Option<int>("--size") { Description = "Perceptual distance: images with a shorter side below this are upsampled", DefaultValueFactory = _ => 224 };
        var cmd = new Command("pairs", "PSNR, SSIM and perceptual distance per image pair and their means (table and CSV)")
        { pred, target, mask, csv, batch, size };
        Cli.SetAction(cmd, (parse, ctx) =>
        {
            OutputPaths.File(parse.GetValue(csv)!, ".csv");
            var (predDir, targetDir, maskDir) = (parse.GetValue(pred)!, parse.GetValue(target)!, parse.GetValue(mask));
            var names = PairedMetrics.MatchedNames(predDir, targetDir, maskDir);
            var b = Positive(parse.GetValue(batch), "--batch");
            using var net = new ResNet18Features();
            net.to(ctx.Device);
            var perceptual = new PerceptualDistance(net, new PerceptualConfig(MinSize: Positive(parse.GetValue(size), "--size")));
            var rows = PairedMetrics.Score(names, predDir, targetDir, maskDir, perceptual, b, ctx.Device);
            Report(rows, parse.GetValue(csv)!);
            return 0;
        });
        return cmd;
    }

    static void Report(IReadOnlyList<PairScore> rows, string csvPath)
    {
        var table = new Table().AddColumns("image", "PSNR (dB)", "SSIM", "perceptual");
        foreach (var r in rows) table.AddRow(Markup.Escape(r.Name), F(r.Psnr, "0.00"), F(r.Ssim, "0.0000"), F(r.Perceptual, "0.0000"));
        // An image whose mask leaves SSIM no window centre has no SSIM (NaN): the mean is over the others.
        var mean = (rows.Average(r => r.Psnr), rows.Select(r => r.Ssim).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average(), rows.Average(r => r.Perceptual));
        table.AddRow($"[bold]mean (N={rows.Count})[/]", F(mean.Item1, "0.00"), F(mean.Item2, "0.0000"), F(mean.Item3, "0.0000"));
        AnsiConsole.Write(table);
        var sb = new StringBuilder("image,psnr_db,ssim,perceptual\n");
        foreach (var r in rows) sb.Append(CultureInfo.InvariantCulture, $"{Csv(r.Name)},{F(r.Psnr, "R")},{F(r.Ssim, "R")},{F(r.Perceptual, "R")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"mean (N={rows.Count}),{F(mean.Item1, "R")},{F(mean.Item2, "R")},{F(mean.Item3, "R")}\n");
        AtomicFile.WriteText(csvPath, sb.ToString());
        Console.WriteLine($"wrote {csvPath}");
    }

    static string F(double v, string format) => double.IsPositiveInfinity(v) ? "inf" : v.ToString(format, Inv);
    static string Csv(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
    static int Positive(int v, string name) => v > 0 ? v : throw new UserError($"{name} must be positive, got {v}");
}
