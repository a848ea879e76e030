using System.CommandLine;
using System.Globalization;
using InstantViews.Scenes;

namespace InstantViews.Cli;

/// <summary>`instantviews eval stereo-info`: a Middlebury 2014 scene folder read and checked, with its figures.</summary>
public static class EvalStereoInfoCommand
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Build()
    {
        var pair = new Option<string>("--pair") { Description = "Stereo pair folder (im0.png, im1.png, disp0.pfm, calib.txt)", Required = true };
        var cmd = new Command("stereo-info", "Read a stereo pair folder (Middlebury 2014 layout) and print its size, calibration, disparity and depth ranges and how well the disparity maps the left image onto the right")
        { pair };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            using var read = StereoPair.Read(p.GetValue(pair)!);
            Print(read);
            return 0;
        });
        return cmd;
    }

    /// <summary>The figures of a pair, one per line.</summary>
    public static void Print(StereoPair pair)
    {
        var c = pair.Calibration;
        Console.WriteLine(string.Create(Inv, $"size {pair.Width}x{pair.Height}, f {c.Focal:0.###} px, baseline {c.BaselineMm:0.###} mm, doffs {c.Doffs:0.###} px"));
        var (min, max, unknown) = pair.DisparityStats();
        Console.WriteLine(string.Create(Inv, $"disparity {min:0.###} to {max:0.###} px, {unknown:0.00%} unknown"));
        using (var depth = pair.TrueDepth())
        {
            var known = depth[depth.isnan().logical_not()];
            Console.WriteLine(string.Create(Inv, $"depth {known.min().item<float>():0.###} to {known.max().item<float>():0.###} m"));
        }
        var (error, pixels) = pair.WarpError();
        Console.WriteLine(string.Create(Inv, $"mean |left(x, y) - right(x - d, y)| {error:0.00} of 255 over {pixels} pixels"));
    }
}
