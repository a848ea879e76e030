using System.CommandLine;
using System.Diagnostics;
using InstantViews.Imaging;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews nvs`: one novel view of a photo.</summary>
public static class NvsCommand
{
    public static Command Build()
    {
        var src = SourceView.Options.Create();
        var gen = GenerationOptions.Create();
        var target = new Option<string>("--target") { Description = "Target camera: JSON, orbit:yaw,pitch,radius (degrees, metres; radius 0 = median depth) or move:dx,dy,dz,yaw,pitch (source camera axes)", Required = true };
        var targetFrame = new Option<int>("--target-frame") { Description = "Frame of a cameras.json given to --target", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Output PNG: source | warped | generated side by side (the generated view alone goes beside it as *-generated.png)", Required = true };
        var cmd = new Command("nvs", "Generate one novel view of an image with GenWarp") { target, targetFrame, output };
        src.AddTo(cmd);
        gen.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            // Every file nvs writes is checked before any work: the side-by-side (--out) and the view beside it.
            var path = OutputPaths.File(p.GetValue(output)!, ".png");
            var generatedPath = NvsGeneratedPath(path);
            try { OutputPaths.File(generatedPath, ".png"); }
            catch (UserError e) { throw new UserError($"{e.Message} (nvs writes the generated view there, beside --out '{path}')"); }
            var pipeline = gen.Load(p, ctx.Device);
            var full = gen.Composed(p);
            var (views, source, estimator) = src.Open(p, ctx.Device, pipeline, gen.Sizes(p));
            using var opened = views;
            views.Composition = gen.Composition.Settings(p);
            var tgt = Geometry.CameraTargets.Target(p.GetValue(target)!, source, views.MedianDepth, p.GetValue(targetFrame));
            var clock = Stopwatch.StartNew();
            var r = views.View(tgt.WithPose(source.RelativeTo(tgt)), ctx.Seed, p.GetValue(gen.MaxStep), NovelViewOptions.Redepth(estimator), full);
            var (rgb, cam) = full ? (views.Rgb, views.Camera) : (views.Working.Rgb, views.Working.Camera);
            var sheetIsNew = !File.Exists(path);
            ImageFile.Write(path, ImageGrid.Tile([rgb, r.Warped, r.Generated], 3));
            try { ImageFile.Write(generatedPath, r.Generated); }
            catch when (sheetIsNew)
            {
                File.Delete(path); // both files or neither
                throw;
            }
            var generatedAt = pipeline.WorkingSize(cam.Height, cam.Width);
            Console.WriteLine($"depth: {estimator.Description}; view {cam.Width}x{cam.Height} ({(full ? $"composed, generated at {generatedAt.Width}x{generatedAt.Height}" : "model output")}), {r.Steps} step(s), NFE {r.Nfe}, {NovelViewOptions.Preserver(r.PreserverPasses)}{clock.Elapsed.TotalSeconds:0.00} s; wrote {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Where nvs writes the generated view alone: beside --out, named NAME-generated.png.</summary>
    internal static string NvsGeneratedPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-generated.png");
}
