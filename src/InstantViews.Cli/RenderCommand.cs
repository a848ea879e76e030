using System.CommandLine;
using System.Globalization;
using InstantViews.Imaging;
using InstantViews.Lifting;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`render`: a video of a lifted scene (`lift`) along a camera path, rendered on the CPU.</summary>
public static class RenderCommand
{
    public static Command Build()
    {
        var sceneDir = new Option<string>("--scene") { Description = "Scene folder written by lift", Required = true };
        var path = new Option<string>("--path") { Description = "Camera path: circle, swing, zoom-in or dolly-zoom", DefaultValueFactory = _ => "circle" };
        path.AcceptOnlyFromAmong("circle", "swing", "zoom-in", "dolly-zoom");
        var frames = new Option<int>("--frames") { Description = "Number of frames", DefaultValueFactory = _ => 60 };
        var amount = new Option<double?>("--amount") { Description = "How far the camera moves, times the scene's median depth (default: circle 0.04, swing 0.05, zoom-in 0.25, dolly-zoom 0.4)" };
        var fps = new Option<int>("--fps") { Description = "Frames per second", DefaultValueFactory = _ => 30 };
        var stereo = new Option<double?>("--stereo") { Description = "Side-by-side stereo with this eye distance in metres (e.g. 0.065); left eye on the left" };
        var output = new Option<string>("--out") { Description = "Video: .mp4 (H.264, through ffmpeg), .gif or .png (animated PNG)", Required = true };
        var cmd = new Command("render", "Render a video of a lifted scene (lift) along a camera path on the CPU: MP4, GIF or animated PNG")
            { sceneDir, path, frames, amount, fps, stereo, output };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var file = OutputPaths.File(p.GetValue(output)!, ".mp4", ".gif", ".png");
            using var scene = LayeredScene.Load(p.GetValue(sceneDir)!);
            var kind = VideoPath.Parse(p.GetValue(path)!);
            var n = p.GetValue(frames);
            var cameras = VideoPath.Cameras(kind, scene.Camera, scene.MedianDepth, n, p.GetValue(amount));
            SceneVideoResult result;
            using (var progress = Progress.Start("render", n, "frames"))
                result = SceneVideo.Render(scene, cameras, file, AnimationWriter.FormatOf(file)!.Value, (int)Math.Round(1000.0 / p.GetValue(fps)),
                    p.GetValue(stereo), () => progress.Advance(1));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Frames} frames at {result.Width}x{result.Height} ({p.GetValue(path)}{(p.GetValue(stereo) is { } e ? $", side-by-side stereo, eyes {e} m apart" : "")}): " +
                $"{result.RenderMsPerFrame:0} ms per frame to render, {result.HoleFraction * 100:0.00} % of pixels uncovered, {result.Seconds:0.0} s in all; wrote {file}"));
            return 0;
        });
        return cmd;
    }
}
