using System.CommandLine;
using System.Diagnostics;
using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda pairs`: the (image, inverted noise) pairs of PaGoDA's distillation, from scenes or an image folder.</summary>
public static class PagodaPairsCommand
{
    public static Command Build()
    {
        var teacher = new Option<string>("--teacher") { Description = "Teacher diffusion model (model.safetensors)", Required = true };
        var data = new Option<string>("--data") { Description = "Image folder, or 'scenes'", Required = true };
        var count = new Option<int>("--count") { Description = "Number of training images", DefaultValueFactory = _ => 1024 };
        var res = new Option<int>("--resolution") { Description = "Final (high) resolution of the stored images", DefaultValueFactory = _ => 64 };
        var outDir = new Option<string>("--out") { Description = "Pairs folder (chunk files; re-running resumes)", Required = true };
        var flip = new Option<bool>("--flip") { Description = "Also store the horizontally flipped pair" };
        var steps = new Option<int>("--steps") { Description = "Inversion grid points", DefaultValueFactory = _ => 40 };
        var chunk = new Option<int>("--chunk") { Description = "Images per chunk file (the unit of sharding and resume)", DefaultValueFactory = _ => 64 };
        var cmd = new Command("pairs", "Invert high-resolution images (downsampled to the teacher's resolution) to noise with the teacher: the (x, z_x) pairs")
        { teacher, data, count, res, outDir, flip, steps, chunk };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (net, header) = Checkpoint.Load<UNet>(p.GetValue(teacher)!, ctx.Device);
            var r = p.GetValue(res);
            if (r % net.Cfg.Resolution != 0 || r < net.Cfg.Resolution)
                throw new UserError($"--resolution {r} must be a multiple of the teacher's {net.Cfg.Resolution}");
            var (i, n) = shard.Read(p);
            var cfg = new PairsConfig { Count = p.GetValue(count), ChunkSize = p.GetValue(chunk), ShardIndex = i, ShardCount = n, Flip = p.GetValue(flip), Steps = p.GetValue(steps) };
            var clock = Stopwatch.StartNew();
            var files = PairBuilder.Build(net, SamplingDefaults.Of(header).SigmaMax, Items(p.GetValue(data)!, r, ctx.Seed, cfg.Count), cfg, p.GetValue(outDir)!, ctx.Device);
            var set = PairSet.Load(p.GetValue(outDir)!);
            Console.WriteLine($"{files.Count} chunks for shard {i}/{n} in {p.GetValue(outDir)} ({set.Count} pairs in the folder); " +
                              $"round-trip PSNR {set.RoundTripPsnr:0.00} dB; {clock.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return cmd;
    }


    /// <summary>Deterministic items at the final resolution: scene view i, or folder image i.</summary>
    static PairBuilder.ItemSource Items(string data, int resolution, long seed, int count)
    {
        if (data == "scenes")
        {
            var stream = new SceneStream(new SceneStreamConfig(resolution, resolution, 4, SceneSplit.Train, seed));
            return (start, n) => stack(Enumerable.Range(0, n).AsParallel().AsOrdered().Select(i => stream.RenderView(start + i)).ToList().Select(v => v.RgbTensor()).ToArray());
        }
        var folder = new FolderTrainingImages(data, resolution, resolution, seed);
        if (folder.Count < count) throw new UserError($"'{data}' holds {folder.Count} images, --count asks for {count}");
        return (start, n) => stack(Enumerable.Range(0, n).Select(i => folder.Image((int)start + i)).ToArray());
    }
}
