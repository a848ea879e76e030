using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews orbit`: an animation of views orbiting the scene of one photo.</summary>
public static class OrbitCommand
{
    public static Command Build()
    {
        var src = SourceView.Options.Create();
        var gen = GenerationOptions.Create();
        var frames = new Option<int>("--frames") { Description = "Number of frames", DefaultValueFactory = _ => 16 };
        var yawRange = new Option<double>("--yaw-range") { Description = "Total yaw swept around the scene centre (degrees), centred on the source view", DefaultValueFactory = _ => 30 };
        var pitch = new Option<double>("--pitch") { Description = "Pitch of every frame (degrees)", DefaultValueFactory = _ => 0 };
        var consistent = new Option<bool>("--consistent-noise") { Description = "Use the same initial noise for every frame (less jitter across the sweep)" };
        var delay = new Option<int>("--delay") { Description = "Frame delay (ms, 0-655350: a GIF stores it as a 16-bit count of centiseconds)", DefaultValueFactory = _ => 100 };
        var zoom = new Option<int>("--zoom") { Description = "Enlarge the written frames this many times (1-16, nearest neighbour; at most 16 megapixels a frame), for viewing small models' output", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Animation: .png (animated PNG), .gif or .mp4 (H.264, through ffmpeg)", Required = true };
        var cmd = new Command("orbit", "Animate views orbiting the scene of one image (GenWarp)") { frames, yawRange, pitch, consistent, delay, zoom, output };
        src.AddTo(cmd);
        gen.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var path = OutputPaths.File(p.GetValue(output)!, ".png", ".gif", ".mp4");
            var n = p.GetValue(frames);
            var z = p.GetValue(zoom);
            var pipeline = gen.Load(p, ctx.Device);
            var full = gen.Composed(p);
            var (views, source, estimator) = src.Open(p, ctx.Device, pipeline, gen.Sizes(p));
            using var opened = views;
            views.Composition = gen.Composition.Settings(p);
            var cam = full ? views.Camera : views.Working.Camera;
            CheckOrbitFrameSize(cam.Width, cam.Height, z);
            var range = p.GetValue(yawRange);
            var clock = Stopwatch.StartNew();
            var (nfe, preserver) = (0, 0);
            // Frames go to the encoder as they are made (enlarged by the encoder): memory does not grow with --frames or --zoom.
            using (var writer = AnimationWriter.Create(path, AnimationWriter.FormatOf(path)!.Value, cam.Width, cam.Height, n, p.GetValue(delay), z))
            {
                using (var progress = Progress.Start("orbit", n, "frames"))
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var scope = NewDisposeScope();
                        var yaw = n == 1 ? 0 : -range / 2 + range * i / (n - 1);
                        var tgt = Geometry.CameraTargets.Orbit(views.Camera, views.MedianDepth, yaw, p.GetValue(pitch));
                        var seed = p.GetValue(consistent) ? ctx.Seed : ctx.Seed + i;
                        var r = views.View(tgt, seed, p.GetValue(gen.MaxStep), NovelViewOptions.Redepth(estimator), full);
                        nfe += r.Nfe;
                        preserver += r.PreserverPasses;
                        writer.Add(r.Generated);
                        progress.Advance(1);
                    }
                }
                writer.Commit();
            }
            Console.WriteLine($"depth: {estimator.Description}; {n} frames at {cam.Width}x{cam.Height}, yaw {-range / 2:0.#}..{range / 2:0.#} degrees, NFE {nfe} in total, {NovelViewOptions.Preserver(preserver)}{clock.Elapsed.TotalSeconds:0.0} s; wrote {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Refuses orbit frames (the view enlarged --zoom times) larger than <see cref="AnimationWriter.MaxFramePixels"/>, naming their size.</summary>
    internal static void CheckOrbitFrameSize(int width, int height, int zoom)
    {
        long w = (long)width * zoom, h = (long)height * zoom, max = AnimationWriter.MaxFramePixels;
        if (w * h <= max) return;
        var most = (int)Math.Sqrt((double)max / ((long)width * height));
        while ((long)(most + 1) * (most + 1) * width * height <= max) most++;
        while (most > 0 && (long)most * most * width * height > max) most--;
        var hint = most >= 1 ? $"use --zoom {most} or less" : "lower --max-size";
        throw new UserError($"--zoom {zoom} makes {w}x{h} frames of the {width}x{height} view ({w * h / (double)(1 << 20):0.0} megapixels); " +
                            $"an orbit frame is at most {max >> 20} megapixels ({hint})");
    }
}
