using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;

namespace InstantViews.Bench;

/// <summary>`pagoda upscale` measured (<see cref="UpscaleEvaluation"/>): PSNR, FD and KID of PaGoDA's super-resolution against bicubic on held-out images.</summary>
static class UpscaleBench
{
    public static void Run(string generatorPath, string teacherPath, int count)
    {
        var (g, _) = Checkpoint.Load<OneStepGenerator>(ModelFiles.Resolve(generatorPath));
        var (t, th) = Checkpoint.Load<UNet>(ModelFiles.Resolve(teacherPath));
        g.eval();
        t.eval();
        using var features = new ResNet18Features();
        var rows = UpscaleEvaluation.Run(new Upscaler(g, t, SamplingDefaults.Of(th).SigmaMax), count, features);
        Console.WriteLine($"super-resolution {g.BaseResolution}px -> {g.OutputResolution}px on {count} held-out scene images (area-downsampled originals); FD/KID against {count} other held-out images");
        Console.WriteLine($"{"method",-32} {"NFE",4} {"PSNR",7} {"FD",9} {"KID",8} {"± std",7} {"ms/image",9}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Method,-32} {r.Nfe,4} {r.Psnr,7:0.00} {r.Fd,9:0.00} {r.Kid,8:0.0000} {r.KidStd,7:0.0000} {r.SecondsPerImage * 1000,9:0.0}");
    }
}
