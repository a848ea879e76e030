using System.CommandLine;
using InstantViews.Scenes;

namespace InstantViews.Cli;

/// <summary>`instantviews eval stereo-import`: a rectified pair and its disparity written in the Middlebury 2014 layout.</summary>
public static class EvalStereoImportCommand
{
    public static Command Build()
    {
        var left = new Option<string>("--left") { Description = "Left image (PNG or JPEG)", Required = true };
        var right = new Option<string>("--right") { Description = "Right image (PNG or JPEG), rectified with the left one", Required = true };
        var disparity = new Option<string>("--disparity")
        {
            Description = "The left view's disparity in pixels (a match in the right image at x - d): 8/16-bit grey PNG (0 = unknown), float .npy or one-channel .pfm (NaN or inf = unknown)",
            Required = true,
        };
        var focal = new Option<double>("--focal") { Description = "Focal length in pixels", Required = true };
        var baseline = new Option<double>("--baseline-mm") { Description = "Baseline in millimetres", Required = true };
        var doffs = new Option<double>("--doffs") { Description = "x-difference of the principal points, cx1 - cx0, in pixels (depth = baseline * f / (d + doffs))", DefaultValueFactory = _ => 0 };
        var scale = new Option<double>("--disparity-scale") { Description = "Stored disparity values are divided by this", DefaultValueFactory = _ => 1 };
        var cx = new Option<double?>("--cx") { Description = "Left principal point x in pixels, the top-left pixel's centre at 0 (default: (W - 1) / 2)" };
        var cy = new Option<double?>("--cy") { Description = "Principal point y in pixels, the top-left pixel's centre at 0 (default: (H - 1) / 2)" };
        var outDir = new Option<string>("--out") { Description = "New (or empty) folder for im0.png, im1.png, disp0.pfm, calib.txt", Required = true };
        var cmd = new Command("stereo-import", "Write a rectified stereo pair, its disparity and calibration as a Middlebury 2014 scene folder (im0.png, im1.png, disp0.pfm, calib.txt)")
        { left, right, disparity, focal, baseline, doffs, scale, cx, cy, outDir };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var dir = OutputPaths.Folder(p.GetValue(outDir)!);
            using var pair = StereoPairImport.Import(p.GetValue(left)!, p.GetValue(right)!, p.GetValue(disparity)!, p.GetValue(focal), p.GetValue(baseline), dir,
                p.GetValue(doffs), p.GetValue(scale), p.GetValue(cx), p.GetValue(cy));
            Console.WriteLine($"wrote {dir}");
            EvalStereoInfoCommand.Print(StereoPairFigures.Of(pair));
            return 0;
        });
        return cmd;
    }
}
