using System.CommandLine;
using InstantViews.Diffusion;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda sample`: images in one network evaluation each.</summary>
public static class PagodaSampleCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Generator (model.safetensors of a PaGoDA run)", Required = true };
        var count = new Option<int>("--count") { Description = "Images", DefaultValueFactory = _ => 16 };
        var outDir = new Option<string>("--out") { Description = "Output folder (PNG files + grid.png)", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per batch", DefaultValueFactory = _ => 64 };
        var cmd = new Command("sample", "Generate images in one network evaluation each") { model, count, outDir, batch };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (g, _) = Checkpoint.Load<OneStepGenerator>(p.GetValue(model)!, ctx.Device);
            g.eval();
            var n = p.GetValue(count);
            var gen = new Generator((ulong)ctx.Seed);
            var dir = p.GetValue(outDir)!;
            var r = SamplingPipeline.Run(b => (g.Forward(g.SampleNoise(b, gen).to(ctx.Device)), 1), n, p.GetValue(batch), dir, "one-step sampling");
            Console.WriteLine($"{n} images ({g.OutputResolution}px) in {dir}; NFE per image {r.NfePerImage}; {r.SecondsPerImage:0.00000} s per image");
            return 0;
        });
        return cmd;
    }
}
