using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Scenes;
using PuppeteerSharp;
using PuppeteerSharp.Input;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// The viewer's targets, measured end to end with the real program and a real headless Chromium (software WebGL):
/// start (command to first drawn frame) for a 1024x683 photo with estimated depth; the mesh's frame rate while
/// dragging and at rest; the latency of a filled view after the camera stops; the server's views/s while the camera
/// moves; and, in-process, what one view costs per stage at several fill sizes. Writes a screenshot and an animated
/// capture of a drag for the README.
/// </summary>
static class ViewerBench
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task Run(string cli, string model, string outDir, int width = 1024, int height = 683)
    {
        Directory.CreateDirectory(outDir);
        var photo = Path.Combine(outDir, $"scene-{width}x{height}.png");
        if (!File.Exists(photo))
        {
            var (_, views) = SceneDataset.RenderScene(7, width, height, 4, 1);
            ImageFile.Write(photo, views[0].RgbTensor());
        }
        Console.WriteLine($"photo: {photo} ({width}x{height}, a rendered scene); model {model}; {Environment.ProcessorCount} cores");
        var results = new JsonObject { ["benchmark"] = "viewer", ["model"] = model, ["photo"] = $"{width}x{height}", ["cores"] = Environment.ProcessorCount, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", Inv) };
        results["per_stage"] = PerStage(model, photo);

        await using var browser = await HeadlessChromium.LaunchAsync(width, height + 40);
        var page = await browser.NewPageAsync();
        // Start: from launching the command to the page's first drawn frame (browser already open).
        var clock = Stopwatch.StartNew();
        var info = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "view", "--model", model, "--image", photo, "--port", "0" }) info.ArgumentList.Add(a);
        if (cli.EndsWith(".dll", StringComparison.Ordinal)) { info.FileName = "dotnet"; info.ArgumentList.Insert(0, cli); }
        using var server = new Process { StartInfo = info };
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is { } l) lines.Add(l); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is { } l) Console.Error.WriteLine($"  view: {l}"); };
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            string? url = null;
            while (url is null && lines.TryTake(out var l, TimeSpan.FromSeconds(120)))
            {
                Console.WriteLine($"  view: {l}");
                if (l.StartsWith("viewer: ", StringComparison.Ordinal)) url = l["viewer: ".Length..].Split(' ')[0];
            }
            if (url is null) throw new InvalidOperationException("the viewer printed no URL");
            var urlMs = clock.Elapsed.TotalMilliseconds;
            await page.GoToAsync(url);
            await page.WaitForFunctionAsync("() => window.viewer && viewer.stats.frames >= 1", new WaitForFunctionOptions { Timeout = 60_000, PollingInterval = 5 });
            var firstFrameMs = clock.Elapsed.TotalMilliseconds;
            await page.WaitForFunctionAsync("() => viewer.stats.views >= 1", new WaitForFunctionOptions { Timeout = 60_000 });
            var firstViewMs = clock.Elapsed.TotalMilliseconds;
            Console.WriteLine($"start: URL printed after {urlMs / 1000:0.00} s, first frame drawn after {firstFrameMs / 1000:0.00} s, first generated view after {firstViewMs / 1000:0.00} s");
            results["url_s"] = Math.Round(urlMs / 1000, 2);
            results["first_frame_s"] = Math.Round(firstFrameMs / 1000, 2);
            results["first_view_s"] = Math.Round(firstViewMs / 1000, 2);
            // The lifted scene: the server lifts the photo once after serving it; the page then draws both layers.
            await page.WaitForFunctionAsync("() => ['ready', 'none', 'failed'].includes(viewer.stats.layers)", new WaitForFunctionOptions { Timeout = 120_000, PollingInterval = 5 });
            var layersMs = clock.Elapsed.TotalMilliseconds;
            var layers = await page.EvaluateExpressionAsync<string>("viewer.stats.layers");
            Console.WriteLine($"lifted scene drawn after {layersMs / 1000:0.00} s ({layers})");
            results["layers_ready_s"] = Math.Round(layersMs / 1000, 2);
            results["layers"] = layers;
            var triangles = await page.EvaluateExpressionAsync<long>("viewer.stats.triangles");

            // Holes: the frame at poses over a +-20 degree orbit (yaw and pitch), full resolution at rest, drawn from the
            // lifted scene alone (no server view), with the clear colour magenta; the status bar hidden (it is an overlay).
            await page.EvaluateExpressionAsync("document.getElementById('bar').style.display = 'none'");
            async Task<(double Worst, double Mean, int Poses)> Orbit(bool backstop)
            {
                var shares = new List<double>();
                foreach (var pitch in new[] { -20, -10, 0, 10, 20 })
                    foreach (var yaw in new[] { -20, -10, 0, 10, 20 })
                    {
                        await page.EvaluateExpressionAsync($"viewer.show({{ serverViews: false, holes: true, backstop: {(backstop ? "true" : "false")} }}); viewer.setView({{ yaw: {yaw}, pitch: {pitch}, dolly: 0 }})");
                        await Task.Delay(600);
                        var shot = await (await page.QuerySelectorAsync("canvas")).ScreenshotDataAsync(new ElementScreenshotOptions { Type = ScreenshotType.Png });
                        using var canvas = ImageFile.Decode(shot, "screenshot");
                        shares.Add(ViewerHoles.Share(canvas));
                    }
                return (shares.Max(), shares.Average(), shares.Count);
            }
            var alone = await Orbit(backstop: false);
            var complete = await Orbit(backstop: true);
            await page.EvaluateExpressionAsync("viewer.show(); viewer.resetView(); document.getElementById('bar').style.display = ''");
            Console.WriteLine($"+-20 degree orbit ({complete.Poses} poses): hole pixels {complete.Worst:P3} at worst with the backstop; the two layers alone leave {alone.Mean:P2} on average ({alone.Worst:P2} at worst)");
            results["orbit_poses"] = complete.Poses;
            results["orbit_hole_share_max"] = Math.Round(complete.Worst, 6);
            results["orbit_hole_share_layers_alone_mean"] = Math.Round(alone.Mean, 4);
            results["orbit_hole_share_layers_alone_max"] = Math.Round(alone.Worst, 4);

            await Task.Delay(1500);
            await page.ScreenshotAsync(Path.Combine(outDir, "viewer-rest.png"));

            // Continuous drag: frame rate and the server's views/s while the camera moves (nothing else asked of the page).
            var box = (await (await page.QuerySelectorAsync("canvas")).BoundingBoxAsync())!;
            var (x, y) = ((double)(box.X + box.Width / 2), (double)(box.Y + box.Height / 2));
            (double X, double Y) Path8(double t) => (x + 220 * Math.Sin(2 * Math.PI * t), y + 50 * Math.Sin(4 * Math.PI * t));
            async Task<(double Fps, double ViewsPerSecond, long Frames, long Views, double Seconds)> Drag(double seconds)
            {
                var (frames0, views0) = (await page.EvaluateExpressionAsync<long>("viewer.stats.frames"), await page.EvaluateExpressionAsync<long>("viewer.stats.views"));
                await page.Mouse.MoveAsync((decimal)x, (decimal)y);
                await page.Mouse.DownAsync();
                var drag = Stopwatch.StartNew();
                while (drag.Elapsed.TotalSeconds < seconds)
                {
                    var (px, py) = Path8(drag.Elapsed.TotalSeconds / seconds);
                    await page.Mouse.MoveAsync((decimal)px, (decimal)py);
                    await Task.Delay(16);
                }
                var ms = drag.Elapsed.TotalMilliseconds;
                var (frames1, views1) = (await page.EvaluateExpressionAsync<long>("viewer.stats.frames"), await page.EvaluateExpressionAsync<long>("viewer.stats.views"));
                await page.Mouse.UpAsync();
                await Task.Delay(500);
                return ((frames1 - frames0) * 1000 / ms, (views1 - views0) * 1000 / ms, frames1 - frames0, views1 - views0, ms / 1000);
            }
            var paced = await Drag(6);
            // Once the photo is lifted, frames are complete without the server: a drag sends no pose until the camera stops.
            Console.WriteLine($"display while dragging ({width}x{height} canvas, {triangles} triangles: the photo's mesh, the lifted layer and the backstop; drawn at half resolution while moving; at rest the page redraws only when a view arrives):");
            Console.WriteLine($"  {paced.Fps:0.0} fps ({paced.Frames} frames in {paced.Seconds:0.0} s); server {paced.ViewsPerSecond:0.0} views/s ({paced.Views} views) while the camera moved");
            results["triangles"] = triangles;
            results["drag_fps"] = Math.Round(paced.Fps, 1);
            results["drag_server_views_per_s"] = Math.Round(paced.ViewsPerSecond, 1);

            // A second, slower drag for the README's animated capture (screenshots slow the page: not timed).
            await page.Mouse.MoveAsync((decimal)x, (decimal)y);
            await page.Mouse.DownAsync();
            var capture = new List<Tensor>();
            const int captureFrames = 24;
            for (int i = 0; i < captureFrames; i++)
            {
                var (px, py) = Path8((double)i / captureFrames);
                await page.Mouse.MoveAsync((decimal)px, (decimal)py, new MoveOptions { Steps = 4 });
                await Task.Delay(250);
                var png = await page.ScreenshotDataAsync(new ScreenshotOptions { Type = ScreenshotType.Png, Clip = new PuppeteerSharp.Media.Clip { X = box.X, Y = box.Y, Width = box.Width, Height = box.Height } });
                using var shot = ImageFile.Decode(png, "screenshot");
                capture.Add(Resize.To(shot, (int)(box.Height / 2), (int)(box.Width / 2), ResizeFilter.Area));
            }
            await page.Mouse.UpAsync();

            // Latency: the camera stops at a new pose; how long until the view made for that pose is on the page.
            // The same drag in a smaller window (512 px wide): the frame rate per canvas size.
            await page.SetViewportAsync(new ViewPortOptions { Width = 512, Height = 342 + 40 });
            await page.WaitForFunctionAsync("() => viewer.stats.frames > 0");
            await Task.Delay(500);
            var small = (await (await page.QuerySelectorAsync("canvas")).BoundingBoxAsync())!;
            var (sx, sy) = ((double)(small.X + small.Width / 2), (double)(small.Y + small.Height / 2));
            var f0 = await page.EvaluateExpressionAsync<long>("viewer.stats.frames");
            await page.Mouse.MoveAsync((decimal)sx, (decimal)sy);
            await page.Mouse.DownAsync();
            var smallDrag = Stopwatch.StartNew();
            while (smallDrag.Elapsed.TotalSeconds < 4)
            {
                var t = smallDrag.Elapsed.TotalSeconds / 4;
                await page.Mouse.MoveAsync((decimal)(sx + 110 * Math.Sin(2 * Math.PI * t)), (decimal)(sy + 25 * Math.Sin(4 * Math.PI * t)));
                await Task.Delay(16);
            }
            var f1 = await page.EvaluateExpressionAsync<long>("viewer.stats.frames");
            await page.Mouse.UpAsync();
            Console.WriteLine($"display ({small.Width:0}x{small.Height:0} canvas, same mesh): {(f1 - f0) * 1000 / smallDrag.Elapsed.TotalMilliseconds:0.0} fps while dragging");
            results["drag_fps_small_canvas"] = Math.Round((f1 - f0) * 1000 / smallDrag.Elapsed.TotalMilliseconds, 1);
            results["small_canvas"] = $"{small.Width:0}x{small.Height:0}";
            await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height + 40 });
            await Task.Delay(500);

            var latencies = new List<double>();
            for (int k = 0; k < 8; k++)
            {
                var stop = Stopwatch.StartNew();
                await page.EvaluateExpressionAsync($"viewer.setView({{ yaw: {(k % 2 == 0 ? 1 : -1) * (4 + k)}, pitch: {k - 4} }})");
                await page.WaitForFunctionAsync("() => { const p = viewer.pose(); const q = viewer.stats.lastViewPose; return q && p.every((v, i) => Math.abs(v - q[i]) < 1e-9); }",
                    new WaitForFunctionOptions { Timeout = 30_000, PollingInterval = 2 });
                latencies.Add(stop.Elapsed.TotalMilliseconds);
                await Task.Delay(200);
            }
            var serverMs = await page.EvaluateExpressionAsync<double>("viewer.stats.lastServerMs");
            Console.WriteLine($"filled view after the camera stops: median {Median(latencies):0} ms (min {latencies.Min():0}, max {latencies.Max():0}, 8 stops; server's share of the last: {serverMs:0} ms)");
            results["stop_to_view_ms_median"] = Math.Round(Median(latencies), 1);
            results["stop_to_view_ms_min"] = Math.Round(latencies.Min(), 1);
            results["stop_to_view_ms_max"] = Math.Round(latencies.Max(), 1);
            results["server_ms_last"] = Math.Round(serverMs, 1);

            // The figures first: they are what the run is for, and the pictures come after.
            BenchJson.Write(Path.Combine(outDir, "viewer.json"), results);
            Console.WriteLine($"wrote {Path.Combine(outDir, "viewer.json")}");
            await page.ScreenshotAsync(Path.Combine(outDir, "viewer.png"));
            Gif.WriteAnimation(Path.Combine(outDir, "viewer-drag.gif"), capture, 100);
            Console.WriteLine($"wrote {Path.Combine(outDir, "viewer.png")} and {Path.Combine(outDir, "viewer-drag.gif")} ({capture.Count} frames)");
        }
        finally
        {
            using var kill = Process.Start("kill", ["-INT", server.Id.ToString(Inv)]);
            kill.WaitForExit();
            var stopping = Stopwatch.StartNew();
            // The viewer stops on SIGINT within 2 s however it was started (this benchmark may itself run as `cmd &`).
            if (server.WaitForExit(10_000)) Console.WriteLine($"view stopped {stopping.Elapsed.TotalSeconds:0.00} s after SIGINT (exit {server.ExitCode})");
            else
            {
                server.Kill(entireProcessTree: true);
                throw new InvalidOperationException("view did not stop within 10 s of SIGINT (killed)");
            }
        }
    }

    /// <summary>One view's cost per stage (generate at the model's size, warp + compose at the fill size), median of 10, in-process.</summary>
    static JsonArray PerStage(string model, string photo)
    {
        var rows = new JsonArray();
        // The viewer benchmark measures a one-step model.
        var pipeline = new NovelViewPipeline(NovelViewGenerators.Open(ModelFiles.Resolve(model), "genwarp-1step", CPU));
        var rgb = ImageFile.Read(photo);
        var depth = InstantViews.Depth.DepthSource.Open("builtin");
        foreach (var fill in new[] { 256, 384, 512 })
        {
            using var views = PhotoViews.Open(rgb, Camera.FromFov((int)rgb.shape[2], (int)rgb.shape[1], 60), depth, pipeline, new PhotoViewSizes(1024, fill), photo);
            var (gen, comp, total) = (new List<double>(), new List<double>(), new List<double>());
            for (int i = 0; i < 11; i++)
            {
                var pose = CameraTargets.Orbit(views.Camera, views.MedianDepth, -10 + 2 * i, 3).WorldToCamera;
                using var v = views.Render(pose);
                if (i == 0) continue; // warm-up
                gen.Add(v.GenerateMilliseconds);
                comp.Add(v.ComposeMilliseconds);
                total.Add(v.Milliseconds);
            }
            var (fh, fw) = views.FillSize;
            var (wh, ww) = pipeline.WorkingSize(fh, fw);
            Console.WriteLine($"one view, generated at {ww}x{wh}, filled at {fw}x{fh}: generate {Median(gen):0.0} ms, warp + compose {Median(comp):0.0} ms, total {Median(total):0.0} ms ({1000 / Median(total):0.0} views/s; {get_num_threads()} threads, median of 10)");
            rows.Add(new JsonObject { ["generated_at"] = $"{ww}x{wh}", ["fill"] = $"{fw}x{fh}", ["generate_ms"] = Math.Round(Median(gen), 1), ["compose_ms"] = Math.Round(Median(comp), 1), ["total_ms"] = Math.Round(Median(total), 1), ["threads"] = get_num_threads() });
        }
        return rows;
    }

    static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
}
