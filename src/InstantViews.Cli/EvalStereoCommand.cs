using System.CommandLine;
using System.Globalization;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.NovelViews.Evaluation;
using InstantViews.Runtime;
using InstantViews.Scenes;

namespace InstantViews.Cli;

/// <summary>`instantviews eval stereo`: the right view of a real stereo pair predicted from the left, by every depth source and fill.</summary>
public static class EvalStereoCommand
{
    static readonly string[] ShippedModels = ["warp-inpaint", "genwarp", "genwarp-1step", "genwarp-1step-64", "genwarp-1step-128"];

    public static Command Build()
    {
        var pair = new Option<string>("--pair") { Description = "A rectified pair in the Middlebury 2014 layout (im0.png, im1.png, disp0.pfm, calib.txt)", Required = true };
        var models = new Option<string[]>("--model") { Description = "View models to compose into the warp (repeat; default: the shipped warp-inpaint, genwarp, genwarp-1step, -64, -128)" };
        var depths = new Option<string[]>("--depth") { Description = "Depth sources besides the truth: builtin, onnx:FILE or a depth file (repeat; default: builtin)" };
        var noAligned = new Option<bool>("--no-aligned") { Description = "Skip the rows of each estimated depth aligned to the true disparity" };
        var perceptualSize = new Option<int>("--perceptual-size") { Description = "Longest side the perceptual distance is computed at", DefaultValueFactory = _ => 512 };
        var csv = new Option<string?>("--csv") { Description = "Write the rows to this CSV file" };
        var saveViews = new Option<string?>("--save-views") { Description = "Write every predicted view as a PNG into this folder" };
        var crops = new Option<string?>("--crops") { Description = "Write example crops of the holes to this PNG: the three 128-px windows with the most occluded pixels, one row each; columns: every fill with the true depth (grey: the warp itself), then the real right photo" };
        var truthRows = new Option<bool>("--truth-rows") { Description = "After each model, a reference row with the real right photo at that model's working size in its place, composed the same way: the most a perfect model of that size could score" };
        var cmd = new Command("stereo", "Predict the right photo of a stereo pair from the left one with every depth source and fill (grey, nearest, harmonic, each model composed); PSNR, SSIM and perceptual distance over the whole frame, covisible and occluded pixels; depth against the truth")
        { pair, models, depths, noAligned, perceptualSize, truthRows, csv, saveViews, crops };
        var noiseScale = NovelViewOptions.NoiseScaleOption();
        cmd.Options.Add(noiseScale);
        var composition = CompositionOptions.Create();
        composition.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            if (p.GetValue(csv) is { } csvPath) OutputPaths.File(csvPath, ".csv");
            if (p.GetValue(saveViews) is { } viewsPath) OutputPaths.Folder(viewsPath);
            if (p.GetValue(crops) is { } cropsPath) OutputPaths.File(cropsPath, ".png");
            var modelPaths = (p.GetValue(models) is { Length: > 0 } given ? given : ShippedModels).Select(ModelFiles.Resolve).ToList();
            using var stereo = StereoPair.Read(p.GetValue(pair)!);
            var inputs = StereoInputs.Of(stereo);
            var fills = StereoEvaluation.Fills(modelPaths, ctx.Seed, ctx.Device, composition.Settings(p), new SamplingOverrides(NoiseScale: p.GetValue(noiseScale)),
                p.GetValue(truthRows) ? inputs.Right : null);
            var sources = StereoEvaluation.Depths(p.GetValue(depths) is { Length: > 0 } d ? d : ["builtin"], ctx.Device);
            using var net = new ResNet18Features();
            using var holeCrops = new HoleCrops();
            var saver = p.GetValue(saveViews) is { } folder ? StereoEvaluation.ViewSaver(folder) : null;
            var result = StereoBenchmark.Run(inputs, sources, fills, new PerceptualDistance(net), new StereoSettings(!p.GetValue(noAligned), p.GetValue(perceptualSize)),
                p.GetValue(crops) is null ? saver : holeCrops.Saver(saver));
            var name = stereo.Name;
            Print(name, stereo.Width, stereo.Height, result);
            if (p.GetValue(csv) is { } path)
            {
                AtomicFile.WriteText(path, StereoEvaluation.Csv(name, result));
                Console.WriteLine($"wrote {path}");
            }
            if (p.GetValue(crops) is { } cropsFile)
            {
                using var montage = holeCrops.Montage(inputs.Right, result.Covisible!);
                ImageFile.Write(cropsFile, montage);
                Console.WriteLine($"wrote {cropsFile}: columns {string.Join(", ", holeCrops.Fills)}, truth");
            }
            return 0;
        });
        return cmd;
    }

    static void Print(string name, int width, int height, StereoResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var holes = double.IsNaN(result.EnclosedHoles) ? "the true-depth warp has no holes"
            : string.Create(inv, $"of the true-depth warp's holes {result.EnclosedHoles * 100:0.0} % enclosed (seen pixels on every side)");
        Console.WriteLine(string.Create(inv, $"{name}: {width}x{height}, {result.CovisibleFraction * 100:0.0} % of the right view covisible; {holes}"));
        foreach (var d in result.Depths)
            Console.WriteLine(string.Create(inv, $"depth {d.Depth}: AbsRel {d.AbsRel:0.000}, delta<1.25 {d.Delta:0.000} (median-scaled), inverse-depth/disparity correlation {d.Correlation:0.000}, {d.Seconds:0.00} s"));
        PrintRows(result.Rows);
    }

    /// <summary>The rows as a fixed-width table: whole frame, covisible and occluded pixels, seconds per view.</summary>
    internal static void PrintRows(IEnumerable<StereoRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{"depth",-16} {"fill",-18} {"NFE",4} {"PSNR",6} {"SSIM",6} {"perc",6} | {"PSNR cov",8} {"SSIM",6} {"perc",6} | {"PSNR occ",8} {"SSIM",6} {"perc",6} | {"s/view",6}");
        foreach (var r in rows)
            Console.WriteLine(string.Create(inv, $"{r.Depth,-16} {r.Fill,-18} {r.Nfe,4} {r.Psnr,6:0.00} {r.Ssim,6:0.000} {r.Perceptual,6:0.000} | {r.PsnrCovisible,8:0.00} {r.SsimCovisible,6:0.000} {r.PerceptualCovisible,6:0.000} | {r.PsnrOccluded,8:0.00} {r.SsimOccluded,6:0.000} {r.PerceptualOccluded,6:0.000} | {r.Seconds,6:0.00}"));
    }
}
