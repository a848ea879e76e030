using System.CommandLine;
using System.Diagnostics;
using InstantViews.Depth;
using InstantViews.Imaging;
using InstantViews.Lifting;
using InstantViews.NovelViews;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`lift`: a photo lifted to a layered 3D scene (docs/3d-photos.md), with its glTF and Gaussian-splat exports.</summary>
public static class LiftCommand
{
    public static Command Build()
    {
        var src = SourceView.Options.Create();
        var model = new Option<string>("--model") { Description = "One-step GenWarp model that generates what lies behind the depth edges", DefaultValueFactory = _ => "genwarp-1step-128.safetensors" };
        var maxSize = new Option<int>("--max-size") { Description = "Longest side of the layer grid (larger photos are scaled down)", DefaultValueFactory = _ => 1024 };
        var output = new Option<string>("--out") { Description = "Scene folder: scene.json, layerN.png, layerN-depth.npy, and the exports scene.glb and scene.ply", Required = true };
        var noGlb = new Option<bool>("--no-glb") { Description = "Do not write scene.glb (glTF 2.0 binary)" };
        var noPly = new Option<bool>("--no-ply") { Description = "Do not write scene.ply (3D Gaussian splats)" };
        var plyYUp = new Option<bool>("--ply-y-up") { Description = "Write scene.ply with +Y up as scene.glb is (x, -y, -z), for splat viewers that take +Y as up; default: OpenCV axes (y down), as 3DGS training outputs are" };
        var video = new Option<string?>("--video") { Description = "Also film the scene along this camera path into scene.mp4 (as render does): circle, swing, zoom-in or dolly-zoom" };
        video.AcceptOnlyFromAmong("circle", "swing", "zoom-in", "dolly-zoom");
        var frames = new Option<int>("--frames") { Description = "Frames of scene.mp4 (with --video; 30 a second)", DefaultValueFactory = _ => 60 };
        var cmd = new Command("lift", "Lift a photo to a layered 3D scene (a 3D photo): the photo as a depth mesh, what lies behind its depth edges generated, exported as .glb and .ply (and an MP4 with --video)")
            { model, maxSize, output, noGlb, noPly, plyYUp, video, frames };
        src.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var outDir = OutputPaths.Folder(p.GetValue(output)!);
            LayeredScene.CheckTarget(outDir);
            var options = new LiftOptions { MaxSize = p.GetValue(maxSize), Seed = ctx.Seed };
            options.Check();
            var path = p.GetValue(video) is { } v ? VideoPath.Parse(v) : (VideoPathKind?)null;
            if (path is not null) Mp4Encoder.Require();
            var generator = NovelViewGenerators.Open(p.GetValue(model)!, ctx.Device);
            if (generator is not OneStepViews)
                throw new UserError($"'{p.GetValue(model)}': a {generator.Kind} model; lift generates with a one-step GenWarp (genwarp-1step)");
            var clock = Stopwatch.StartNew();
            var view = src.Read(p, ctx.Device);
            var depthMs = clock.Elapsed.TotalMilliseconds;
            var name = p.GetValue(src.Image)!;
            var lifted = new PhotoLifter(new NovelViewPipeline(generator, ctx.Device), options)
                .Lift(view.Rgb, view.Depth, view.Camera, view.Estimator.Description, PhotoLifter.ScaleNote(view.Estimator is FileDepth), name);
            using var scene = lifted.Scene;
            clock.Restart();
            var exports = new List<string>();
            scene.Save(outDir, dir =>
            {
                if (!p.GetValue(noGlb))
                {
                    var (step, bytes) = GlbExport.Write(scene, Path.Combine(dir, "scene.glb"));
                    exports.Add($"scene.glb {bytes / 1e6:0.0} MB (a vertex per {step}x{step} px)");
                }
                if (!p.GetValue(noPly))
                {
                    var (splats, bytes) = SplatPlyExport.Write(scene, Path.Combine(dir, "scene.ply"), SplatPlyExport.DefaultStep(scene.Width, scene.Height), p.GetValue(plyYUp));
                    exports.Add($"scene.ply {bytes / 1e6:0.0} MB ({splats} splats, {(p.GetValue(plyYUp) ? "+Y up" : "OpenCV axes, y down")})");
                }
                if (path is { } kind)
                {
                    var n = p.GetValue(frames);
                    var cameras = VideoPath.Cameras(kind, scene.Camera, scene.MedianDepth, n);
                    SceneVideoResult result;
                    using (var progress = Progress.Start("render", n, "frames"))
                        result = SceneVideo.Render(scene, cameras, Path.Combine(dir, "scene.mp4"), AnimationFormat.Mp4, (int)Math.Round(1000.0 / 30), frameDone: () => progress.Advance(1));
                    exports.Add($"scene.mp4 ({result.Frames} frames at {result.Width}x{result.Height}, {p.GetValue(video)}, {result.Seconds:0.0} s)");
                }
            });
            var writeMs = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine($"depth: {view.Estimator.Description}; scene {scene.Width}x{scene.Height}, {scene.Layers.Count} layer(s); background band {lifted.BandPixels} px, " +
                              $"{100 * lifted.GeneratedShare:0.0}% generated by {lifted.Views} view(s), the rest filled");
            Console.WriteLine($"time: depth {depthMs / 1000:0.00} s, layers {lifted.LayersMs / 1000:0.00} s, generated fills {lifted.FillsMs / 1000:0.00} s, " +
                              $"save and export {writeMs / 1000:0.00} s; total {(depthMs + lifted.LayersMs + lifted.FillsMs + writeMs) / 1000:0.00} s");
            Console.WriteLine($"wrote {outDir}{(exports.Count > 0 ? $": {string.Join(", ", exports)}" : "")}");
            return 0;
        });
        return cmd;
    }
}
