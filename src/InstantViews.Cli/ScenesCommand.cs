using System.CommandLine;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews scenes render|preview`: procedural multi-view datasets on disk and contact sheets.</summary>
public static class ScenesCommand
{
    public static Command Build()
    {
        var cmd = new Command("scenes", "Procedural indoor scenes with exact depth and cameras");
        cmd.Subcommands.Add(BuildRender());
        cmd.Subcommands.Add(BuildPreview());
        return cmd;
    }

    sealed record Size(Option<int> Width, Option<int> Height, Option<int> Spp, Option<int> Frames);

    static Size SizeOptions(int width, int height, int frames) => new(
        new Option<int>("--width") { Description = "Image width in pixels", DefaultValueFactory = _ => width },
        new Option<int>("--height") { Description = "Image height in pixels", DefaultValueFactory = _ => height },
        new Option<int>("--spp") { Description = "Samples per pixel (anti-aliasing)", DefaultValueFactory = _ => 4 },
        new Option<int>("--frames") { Description = "Frames per scene along a walk-through", DefaultValueFactory = _ => frames });

    static void Check(int value, int lo, int hi, string name)
    {
        if (value < lo || value > hi) throw new UserError($"{name} must be in [{lo}, {hi}], got {value}");
    }

    static void CheckSize(int w, int h, int spp, int frames)
    {
        Check(w, 8, 4096, "--width");
        Check(h, 8, 4096, "--height");
        Check(spp, 1, 256, "--spp");
        Check(frames, 1, 1000, "--frames");
    }

    static Command BuildRender()
    {
        var size = SizeOptions(256, 256, 8);
        var count = new Option<int>("--count") { Description = "Number of scenes (seeds S, S+1, ...)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Output folder (one scene-<seed> folder per scene)", Required = true };
        var cmd = new Command("render", "Render scenes to DIR/scene-<seed>/ (PNG frames, .npy depth, cameras.json); finished scenes are skipped, so a stopped run resumes; --shard splits the scenes over processes")
        {
            count, size.Frames, size.Width, size.Height, size.Spp, output,
        };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (parse, ctx) =>
        {
            int n = parse.GetValue(count), frames = parse.GetValue(size.Frames), w = parse.GetValue(size.Width), h = parse.GetValue(size.Height), spp = parse.GetValue(size.Spp);
            Check(n, 1, 1_000_000, "--count");
            CheckSize(w, h, spp, frames);
            var dir = parse.GetValue(output)!;
            OutputPaths.Folder(dir);
            var s = shard.Read(parse);
            var rendered = SceneDataset.Render(new SceneDatasetSpec(ctx.Seed, n, w, h, spp, frames), dir, s);
            if (!ctx.Quiet) Console.WriteLine($"shard {s}: rendered {rendered} scene(s) x {frames} frame(s) at {w}x{h} to {dir} (of {n} in the dataset)");
            return 0;
        });
        return cmd;
    }

    static Command BuildPreview()
    {
        var size = SizeOptions(128, 96, 3);
        var count = new Option<int>("--count") { Description = "Number of scenes (rows of the sheet)", DefaultValueFactory = _ => 4 };
        var output = new Option<string>("--out") { Description = "Output PNG (contact sheet)", Required = true };
        var cmd = new Command("preview", "Contact sheet: per scene a row of walk-through frames (every 8th step) and their depth as a colour map")
        {
            count, size.Frames, size.Width, size.Height, size.Spp, output,
        };
        Cli.SetAction(cmd, (parse, ctx) =>
        {
            int n = parse.GetValue(count), frames = parse.GetValue(size.Frames), w = parse.GetValue(size.Width), h = parse.GetValue(size.Height), spp = parse.GetValue(size.Spp);
            Check(n, 1, 64, "--count");
            CheckSize(w, h, spp, frames);
            Check(frames, 1, 16, "--frames");
            var path = parse.GetValue(output)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UserError($"'{path}': the contact sheet is a PNG; use a .png name");
            OutputPaths.File(path, ".png");
            using var scope = NewDisposeScope();
            var tiles = new List<Tensor>();
            using (var progress = Progress.Start("scenes preview", (long)n * frames, "frames"))
            {
                for (long seed = ctx.Seed; seed < ctx.Seed + n; seed++)
                {
                    var (_, views) = SceneDataset.RenderScene(seed, w, h, spp, frames, () => progress.Advance(), stride: 8);
                    tiles.AddRange(views.Select(v => v.RgbTensor()));
                    tiles.AddRange(views.Select(v => DepthColormap.ToImage(v.Depth, w, h)));
                }
            }
            ImageFile.Write(path, ImageGrid.Tile(tiles, 2 * frames));
            if (!ctx.Quiet) Console.WriteLine($"wrote {path} ({n} scenes, {frames} frames each: RGB then depth)");
            return 0;
        });
        return cmd;
    }
}
