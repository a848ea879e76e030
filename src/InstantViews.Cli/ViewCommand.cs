using System.CommandLine;
using System.Diagnostics;
using InstantViews.Depth;
using InstantViews.NovelViews;
using InstantViews.Runtime;
using InstantViews.Viewer;

namespace InstantViews.Cli;

/// <summary>`view`: the real-time viewer (docs/viewer.md) — a photo as a depth mesh in the browser, holes filled by one-step GenWarp.</summary>
public static class ViewCommand
{
    public static Command Build()
    {
        var src = SourceView.Options.Create();
        var model = new Option<string>("--model") { Description = "Novel-view model (a one-step model keeps up with the camera; a multi-step one takes seconds per view)", DefaultValueFactory = _ => "genwarp-1step.safetensors" };
        var host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (this machine only), or e.g. 0.0.0.0 to let other machines connect", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0: any free port)", DefaultValueFactory = _ => 0 };
        var allowHost = new Option<string[]>("--allow-host") { Description = "Another host name the page may be opened by (e.g. this machine's DNS name); loopback names and the bound address are always accepted", AllowMultipleArgumentsPerToken = false };
        var openBrowser = new Option<bool>("--open") { Description = "Open the page in the default browser" };
        var maxSize = new Option<int>("--max-size") { Description = "Longest side of the photo shown (larger photos are scaled down)", DefaultValueFactory = _ => 1024 };
        var noiseScale = NovelViewOptions.NoiseScaleOption();
        var fillSize = new Option<int>("--fill-size") { Description = "Longest side of the generated views that fill the holes", DefaultValueFactory = _ => 256 };
        var cmd = new Command("view", "Open a photo in the browser and move the camera: the photo as a depth mesh, holes filled by generated views") { model, host, port, allowHost, openBrowser, maxSize, fillSize, noiseScale };
        src.AddTo(cmd);
        var composition = CompositionOptions.Create();
        composition.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var clock = Stopwatch.StartNew();
            var settings = new ViewerSettings { Host = p.GetValue(host)!, Port = p.GetValue(port), Seed = ctx.Seed, ModelName = Path.GetFileName(p.GetValue(model)!), AllowedHosts = p.GetValue(allowHost) ?? [] };
            // Beyond loopback every request needs a random per-run token, carried by the printed address.
            if (!settings.IsLoopback) settings = settings with { Token = ViewerAccess.NewToken() };
            settings.Check();
            var sizes = new PhotoViewSizes(p.GetValue(maxSize), p.GetValue(fillSize));
            sizes.Check();
            var pipeline = new NovelViewPipeline(NovelViewGenerators.Open(p.GetValue(model)!, ctx.Device, new SamplingOverrides(NoiseScale: p.GetValue(noiseScale))), ctx.Device);
            var (first, _, estimator) = src.Open(p, ctx.Device, pipeline, sizes);
            var compositionSettings = composition.Settings(p);
            first.Composition = compositionSettings;
            // Uploads get depth from the estimator given, or the built-in one when --depth named the photo's own map.
            var uploadDepth = estimator.FixedMap ? DepthSource.Open("builtin", ctx.Device) : estimator;
            var server = ViewerServer.StartAsync(settings, first, (photo, name) =>
            {
                var views = PhotoViews.Open(photo, Geometry.Camera.FromFov((int)photo.shape[2], (int)photo.shape[1], Geometry.CameraTargets.DefaultFovXDegrees), uploadDepth, pipeline, sizes, name);
                views.Composition = compositionSettings;
                return views;
            })
                .GetAwaiter().GetResult();
            using var stop = StopSignals.Listen();
            if (!settings.IsLoopback)
                Console.Error.WriteLine($"warning: listening on {settings.Host}: anyone who can reach this machine and has the address below (with its token) can open the viewer and upload images");
            var (h, w) = (first.Camera.Height, first.Camera.Width);
            Console.WriteLine($"depth: {first.DepthDescription}; photo {w}x{h}, views filled at {first.FillSize.Width}x{first.FillSize.Height} by {settings.ModelName}; ready in {clock.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine($"viewer: {server.Url}  (Ctrl-C to stop)");
            if (p.GetValue(openBrowser)) OpenInBrowser(server.Url);
            // The main thread waits itself (no thread-pool continuation needed to stop): for a signal, or for the web
            // host stopping on its own (ASP.NET's console lifetime also handles SIGQUIT, and a signal before Listen).
            WaitHandle.WaitAny([stop.Token.WaitHandle, server.Stopping.WaitHandle]);
            Console.WriteLine($"stopped: {server.ViewsSent} views sent, {server.ViewsDropped} stale requests dropped");
            // Shutdown is bounded: open sockets are aborted after 2 s, and a view still being made is not waited for.
            if (server.DisposeAsync().AsTask().Wait(ViewerServer.ShutdownTimeout + TimeSpan.FromSeconds(0.5)))
                first.Dispose();
            else
                Console.Error.WriteLine("note: model work (a view or an upload) was still running at shutdown; it was abandoned");
            return 0;
        });
        return cmd;
    }

    static void OpenInBrowser(Uri url)
    {
        try { Process.Start(new ProcessStartInfo(url.ToString()) { UseShellExecute = true }); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Console.Error.WriteLine($"could not open a browser ({e.Message}); open {url} yourself");
        }
    }
}
