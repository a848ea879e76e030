using System.CommandLine;
using System.Diagnostics;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews warp`: forward-splat an image into another camera by its depth (holes left open).</summary>
public static class WarpCommand
{
    public static Command Build()
    {
        var src = SourceView.Options.Create();
        var target = new Option<string>("--target") { Description = "Target camera: JSON, orbit:yaw,pitch,radius (degrees, metres; radius 0 = median depth) or move:dx,dy,dz,yaw,pitch (source camera axes)", Required = true };
        var targetFrame = new Option<int>("--target-frame") { Description = "Frame of a cameras.json given to --target", DefaultValueFactory = _ => 0 };
        var alpha = new Option<double>("--alpha") { Description = "Softmax splatting sharpness (nearest point weighs 1, farthest exp(-alpha))", DefaultValueFactory = _ => 10 };
        var outDir = new Option<string>("--out") { Description = "Output folder: warped.png, holes.png, side-by-side.png, depth.npy/png, target-depth.npy", Required = true };
        var cmd = new Command("warp", "Warp an image to another camera by forward softmax splatting (the geometric half of GenWarp)")
        { target, targetFrame, alpha, outDir };
        src.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var view = src.Read(p, ctx.Device);
            var (rgb, source, d, estimator, median) = (view.Rgb, view.Camera, view.Depth, view.Estimator, view.MedianDepth);
            (estimator as IDisposable)?.Dispose();
            int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
            var values = d.data<float>().ToArray();
            var tgt = CameraTargets.Target(p.GetValue(target)!, source, median, p.GetValue(targetFrame));

            var clock = Stopwatch.StartNew();
            using var result = ForwardSplat.Warp(rgb.to(ctx.Device), d.to(ctx.Device), source, tgt, new SplatOptions { Alpha = p.GetValue(alpha) });
            var ms = clock.Elapsed.TotalMilliseconds;
            // Refused before anything is written: a warp that sees nothing is not a result.
            if (result.IsEmpty) throw new UserError($"--target '{p.GetValue(target)}': the target camera sees none of the source image (every pixel is a hole)");
            var dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var warped = result.Warped.cpu();
            var holes = result.HoleMask.cpu();
            ImageFile.Write(Path.Combine(dir, "warped.png"), warped);
            ImageFile.Write(Path.Combine(dir, "holes.png"), (holes * 2 - 1).unsqueeze(0));
            DepthCommand.Write(Path.Combine(dir, "depth"), d);
            Npy.WriteFloat32(Path.Combine(dir, "target-depth.npy"), result.Depth.cpu().contiguous().data<float>().ToArray(), tgt.Height, tgt.Width);
            // Side by side at the source size: source | depth | warped | holes (white).
            var sheet = new List<Tensor> { rgb, DepthColormap.ToImage(values, w, h), warped, (holes * 2 - 1).unsqueeze(0).expand(3, -1, -1) };
            if (tgt.Width != w || tgt.Height != h) for (int i = 2; i < 4; i++) sheet[i] = Resize.To(sheet[i], h, w, ResizeFilter.Nearest);
            ImageFile.Write(Path.Combine(dir, "side-by-side.png"), ImageGrid.Tile(sheet, 4));
            Console.WriteLine($"depth: {estimator.Description}, median {median:0.00} m");
            Console.WriteLine($"warped {w}x{h} -> {tgt.Width}x{tgt.Height} in {ms:0.0} ms; {100 * result.VisibleFraction:0.0}% of target pixels filled; wrote {dir}/warped.png, holes.png, side-by-side.png");
            return 0;
        });
        return cmd;
    }
}
