using System.CommandLine;
using System.Diagnostics;
using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda upscale`: super-resolution by inverting with the teacher, then one generator evaluation.</summary>
public static class PagodaUpscaleCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Grown generator", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "Teacher diffusion model (inverts the input)", Required = true };
        var image = new Option<string>("--image") { Description = "Low-resolution input image (resized to the teacher's resolution)", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output PNG", Required = true };
        var cmd = new Command("upscale", "Super-resolution: invert a low-resolution image with the teacher, then one generator evaluation") { model, teacher, image, outFile };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(outFile)!, ".png");
            var (g, _) = Checkpoint.Load<OneStepGenerator>(p.GetValue(model)!, ctx.Device);
            var (t, th) = Checkpoint.Load<UNet>(p.GetValue(teacher)!, ctx.Device);
            if (t.Cfg.Resolution != g.BaseResolution) throw new UserError($"teacher resolution {t.Cfg.Resolution} differs from the generator's base {g.BaseResolution}");
            g.eval();
            t.eval();
            var clock = Stopwatch.StartNew();
            var (high, nfe) = new Upscaler(g, t, SamplingDefaults.Of(th).SigmaMax).UpscaleImage(ImageFile.Read(p.GetValue(image)!).to(ctx.Device));
            ImageFile.Write(p.GetValue(outFile)!, high.cpu());
            Console.WriteLine($"{g.BaseResolution}px -> {g.OutputResolution}px in {clock.Elapsed.TotalSeconds:0.00} s ({nfe} NFE: the teacher's inversion, then one generator evaluation): {p.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
