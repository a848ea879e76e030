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
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file (the data file of a docs table)" };
        var cmd = new Command("stereo-info", "Read a stereo pair folder (Middlebury 2014 layout) and print its size, calibration, disparity and depth ranges and how well the disparity maps the left image onto the right")
        { pair, json };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            using var read = StereoPair.Read(p.GetValue(pair)!);
            var figures = StereoPairFigures.Of(read);
            Print(figures);
            if (p.GetValue(json) is { } file)
            {
                figures.Save(file);
                Console.WriteLine($"wrote {file}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The figures of a pair, one per line.</summary>
    public static void Print(StereoPairFigures f)
    {
        Console.WriteLine(string.Create(Inv, $"size {f.Width}x{f.Height}, f {f.Focal:0.###} px, baseline {f.BaselineMm:0.###} mm, doffs {f.Doffs:0.###} px"));
        Console.WriteLine(string.Create(Inv, $"disparity {f.DisparityMin:0.###} to {f.DisparityMax:0.###} px, {f.UnknownShare:0.00%} unknown"));
        Console.WriteLine(string.Create(Inv, $"depth {f.DepthMin:0.###} to {f.DepthMax:0.###} m"));
        Console.WriteLine(string.Create(Inv, $"mean |left(x, y) - right(x - d, y)| {f.WarpError:0.00} of 255 over {f.WarpPixels} pixels"));
    }
}
