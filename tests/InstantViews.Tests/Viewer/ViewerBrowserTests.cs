using System.Diagnostics;
using System.Net;
using System.Text.Json;
using InstantViews.Bench;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Viewer;
using PuppeteerSharp;
using PuppeteerSharp.Input;
using static TorchSharp.torch;

namespace InstantViews.Tests.Viewer;

/// <summary>The viewer's page in a real headless Chromium (software WebGL), against a server with a test-sized model.</summary>
[Collection("global-rng")]
public class ViewerBrowserTests
{
    /// <summary>How long a generated view for a new pose may take to arrive here (tiny model, software WebGL, 2 shared cores).</summary>
    const int ViewArrivesWithinMs = 5000;

    static string Artefacts => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artefacts")).FullName;

    static async Task WaitFor(IPage page, string condition, int timeoutMs = 20_000) =>
        await page.WaitForFunctionAsync($"() => {condition}", new WaitForFunctionOptions { Timeout = timeoutMs, PollingInterval = 20 });

    /// <summary>The status bar and the download links are drawn over the canvas: hidden, so screenshots show the drawing alone.</summary>
    static Task HideBar(IPage page) => page.EvaluateExpressionAsync("document.getElementById('bar').style.display = 'none'");

    /// <summary>A page of <paramref name="v"/> once its photo is lifted and both layers are drawn, bar hidden; page errors go to <paramref name="errors"/>.</summary>
    static async Task<IPage> OpenLifted(IBrowser browser, TestViewer v, List<string> errors)
    {
        var page = await browser.NewPageAsync();
        page.PageError += (_, e) => errors.Add(e.Message);
        await page.GoToAsync(v.Server.Url.ToString());
        await WaitFor(page, "window.viewer && viewer.stats.ready && viewer.stats.layers === 'ready' && viewer.stats.triangles > 0", 60_000);
        await HideBar(page);
        return page;
    }

    static async Task<Tensor> Canvas(IPage page, string? saveAs = null)
    {
        var canvas = await page.QuerySelectorAsync("canvas");
        var png = await canvas.ScreenshotDataAsync(new ElementScreenshotOptions { Type = ScreenshotType.Png });
        if (saveAs is not null) File.WriteAllBytes(Path.Combine(Artefacts, saveAs), png);
        return ImageFile.Decode(png, "screenshot");
    }

    [Fact]
    public async Task The_page_draws_the_photo_follows_a_drag_and_receives_the_view_of_the_new_pose()
    {
        await using var v = await TestViewer.Start();
        await using var browser = await HeadlessChromium.LaunchAsync(400, 300);
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        await page.GoToAsync(v.Server.Url.ToString());
        await WaitFor(page, "window.viewer && viewer.stats.ready && viewer.stats.views >= 1");
        await HideBar(page);

        // The 96x64 photo fills the 400x300 window (less the 40-px bar): drawn at 390x260, not at its pixel size.
        var canvas = await Canvas(page, "viewer-start.png");
        Assert.Equal([3L, 260, 390], canvas.shape);
        var before = Resize.To(canvas, TestViewer.Height, TestViewer.Width, ResizeFilter.Area);
        Assert.True(before.std().item<float>() > 0.1f, "the canvas is blank");
        // At the source pose the mesh shows the photo itself.
        Assert.True(before.sub(TestViewer.Photo(TestViewer.Height, TestViewer.Width)).abs().mean().item<float>() < 0.08f);

        // Drag to the left: the camera orbits, the drawing changes.
        var box = (await (await page.QuerySelectorAsync("canvas")).BoundingBoxAsync())!;
        var (x, y) = ((double)(box.X + box.Width / 2), (double)(box.Y + box.Height / 2));
        await page.Mouse.MoveAsync((decimal)x, (decimal)y);
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 10; i++) await page.Mouse.MoveAsync((decimal)(x - 4 * i), (decimal)y, new MoveOptions { Steps = 1 });
        // Keep moving a little longer than the page's 0.5 s frame-rate window, then read its meter.
        for (int i = 1; i <= 12; i++)
        {
            await page.Mouse.MoveAsync((decimal)(x - 40 - (i % 2)), (decimal)y);
            await Task.Delay(60);
        }
        var fps = await page.EvaluateExpressionAsync<double>("viewer.stats.fps");
        await page.Mouse.UpAsync();
        var stopped = Stopwatch.StartNew();
        var yaw = await page.EvaluateExpressionAsync<double>("viewer.view.yaw");
        Assert.True(yaw > 1, $"yaw after the drag: {yaw}");
        var pose = await page.EvaluateExpressionAsync<double[]>("viewer.pose()");
        await WaitFor(page, $"viewer.stats.lastViewPose && viewer.stats.lastViewPose.every((v, i) => Math.abs(v - {JsonSerializer.Serialize(pose)}[i]) < 1e-9)", ViewArrivesWithinMs);
        var arrivedMs = stopped.ElapsedMilliseconds;
        await WaitFor(page, "performance.now() > 0"); // a frame with the new view behind the mesh
        await Task.Delay(300);
        var after = Resize.To(await Canvas(page, "viewer-dragged.png"), TestViewer.Height, TestViewer.Width, ResizeFilter.Area);
        Assert.True(after.sub(before).abs().mean().item<float>() > 0.02f, "the drawing did not change with the camera");

        var frames = await page.EvaluateExpressionAsync<long>("viewer.stats.frames");
        Assert.True(fps > 0 && frames > 10, $"fps {fps}, frames {frames}");
        Assert.True(arrivedMs < ViewArrivesWithinMs);
        Assert.Empty(errors);
        Console.WriteLine($"viewer test: view for the new pose after {arrivedMs} ms, {fps} fps; screenshots in {Artefacts}");
    }

    [Fact]
    public async Task The_lifted_layer_fills_what_the_photo_mesh_leaves_open_when_the_camera_moves()
    {
        await using var v = await TestViewer.Start();
        await using var browser = await HeadlessChromium.LaunchAsync(400, 300);
        var errors = new List<string>();
        var page = await OpenLifted(browser, v, errors);
        // Without the backstop and the server's views, what the meshes leave open shows the clear colour, magenta when
        // asked.
        async Task<double> Open(bool layer)
        {
            await page.EvaluateExpressionAsync($"viewer.show({{ serverViews: false, backstop: false, holes: true, layer: {(layer ? "true" : "false")} }}); viewer.setView({{ yaw: 12, pitch: 0, dolly: 0 }})");
            await Task.Delay(400);
            return ViewerHoles.Share(await Canvas(page, layer ? "viewer-layers.png" : "viewer-no-layer.png"));
        }
        var withoutLayer = await Open(false);
        var withLayer = await Open(true);
        // The box 2 m in front of the 4 m wall opens a gap beside it when the camera turns; the layer behind covers it.
        // (The strip the turn brings in at the frame's edge lies outside the photo: no layer covers it, in both counts.)
        Assert.True(withoutLayer > 0.02, $"the move opened no gap ({withoutLayer:P2} open)");
        Assert.True(withoutLayer - withLayer > 0.01, $"open pixels: {withLayer:P2} with the lifted layer, {withoutLayer:P2} without");
        Assert.Empty(errors);
        Console.WriteLine($"viewer test: {withoutLayer:P2} of the frame open without the lifted layer, {withLayer:P2} with it");
    }

    [Fact]
    public async Task A_drag_over_twenty_degrees_each_way_shows_no_hole_pixel()
    {
        await using var v = await TestViewer.Start();
        await using var browser = await HeadlessChromium.LaunchAsync(400, 300);
        var errors = new List<string>();
        var page = await OpenLifted(browser, v, errors);
        // Nothing from the server: the frames are the lifted scene's alone.
        await page.EvaluateExpressionAsync("viewer.show({ serverViews: false, holes: true, backstop: false })");
        var shares = new List<double>();
        foreach (var pitch in new[] { -20, 0, 20 })
            foreach (var yaw in new[] { -20, -10, 0, 10, 20 })
            {
                await page.EvaluateExpressionAsync($"viewer.setView({{ yaw: {yaw}, pitch: {pitch}, dolly: 0 }})");
                await Task.Delay(350);
                shares.Add(ViewerHoles.Share(await Canvas(page, $"viewer-orbit-layers-{yaw}-{pitch}.png")));
            }
        var layersOnly = (Worst: shares.Max(), Mean: shares.Average());
        // With the backstop, as a user sees it: one drag (0.15 degree a pixel) through the same poses, each screenshot
        // taken while the button is still down (the page draws at half resolution while the camera moves).
        await page.EvaluateExpressionAsync("viewer.show({ serverViews: false, holes: true }); viewer.resetView()");
        var box = (await (await page.QuerySelectorAsync("canvas")).BoundingBoxAsync())!;
        var (x, y) = ((double)(box.X + box.Width / 2), (double)(box.Y + box.Height / 2));
        await page.Mouse.MoveAsync((decimal)x, (decimal)y);
        await page.Mouse.DownAsync();
        shares.Clear();
        foreach (var pitch in new[] { -20, 0, 20 })
            foreach (var yaw in new[] { -20, -10, 0, 10, 20 })
            {
                await page.Mouse.MoveAsync((decimal)(x - yaw / 0.15), (decimal)(y + pitch / 0.15), new MoveOptions { Steps = 4 });
                await Task.Delay(60);
                var view = await page.EvaluateExpressionAsync<double[]>("[viewer.view.yaw, viewer.view.pitch]");
                Assert.True(Math.Abs(view[0] - yaw) < 0.5 && Math.Abs(view[1] - pitch) < 0.5, $"the drag reached yaw {view[0]}, pitch {view[1]} for {yaw}, {pitch}");
                shares.Add(ViewerHoles.Share(await Canvas(page, $"viewer-orbit-complete-{yaw}-{pitch}.png")));
            }
        await page.Mouse.UpAsync();
        var complete = (Worst: shares.Max(), Mean: shares.Average());
        // The two layers alone leave the frame's edges (outside the photo) and the box's far disocclusions open.
        Assert.True(layersOnly.Worst > 0.05, $"the orbit opened no hole without the backstop (worst {layersOnly.Worst:P2})");
        Assert.Equal(0, complete.Worst);
        Assert.Empty(errors);
        Console.WriteLine($"viewer test: +-20 degree drag, hole pixels: {complete.Worst:P3} (worst of 15 poses) with the backstop, {layersOnly.Mean:P2} on average ({layersOnly.Worst:P2} worst) with the two layers alone");
    }

    [Fact]
    public async Task The_page_pose_is_the_CLI_orbit_and_a_bad_dropped_file_shows_an_error()
    {
        await using var v = await TestViewer.Start();
        await using var browser = await HeadlessChromium.LaunchAsync(400, 300);
        var page = await browser.NewPageAsync();
        await page.GoToAsync(v.Server.Url.ToString());
        await WaitFor(page, "window.viewer && viewer.stats.ready");
        await page.EvaluateExpressionAsync("Object.assign(viewer.view, { yaw: 10, pitch: 5, dolly: 0 })");
        var pose = await page.EvaluateExpressionAsync<double[]>("viewer.pose()");
        var expected = CameraTargets.Orbit(v.First.Camera, v.First.MedianDepth, 10, 5).WorldToCamera;
        var want = InstantViews.Viewer.ViewerProtocol.Numbers(expected);
        for (int i = 0; i < 16; i++) Assert.True(Math.Abs(pose[i] - want[i]) < 1e-5, $"pose[{i}] {pose[i]} vs {want[i]}");

        await page.EvaluateExpressionAsync("viewer.upload(new File([new Uint8Array([1, 2, 3])], 'bad.png'))");
        await WaitFor(page, "document.getElementById('error').textContent.length > 0");
        Assert.Contains("'bad.png': not a readable image", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
        Assert.Equal(1, await page.EvaluateExpressionAsync<int>("Number(viewer.stats.photo)"));
    }

    [Fact]
    public async Task A_page_from_another_localhost_port_can_neither_read_a_view_nor_upload_a_photo()
    {
        await using var v = await TestViewer.Start();
        var viewer = v.Server.Url.GetLeftPart(UriPartial.Authority);
        // The hostile page: served from another port of the same machine, as any local web app or dev server is.
        var script = $$"""
            window.result = { open: false, message: false, closed: false };
            const ws = new WebSocket('{{viewer.Replace("http", "ws")}}/views');
            ws.binaryType = 'arraybuffer';
            ws.onopen = () => { result.open = true; ws.send(JSON.stringify({ id: 1, photo: '1', pose: [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1] })); };
            ws.onmessage = () => { result.message = true; };
            ws.onclose = () => { result.closed = true; };
            fetch('{{viewer}}/photos', { method: 'POST', mode: 'no-cors', body: new Blob(['x'], { type: 'text/plain' }) })
              .then(() => result.upload = 'sent', e => result.upload = 'failed');
            fetch('{{viewer}}/photos', { method: 'POST', body: 'x', headers: { '{{ViewerAccess.UploadHeader}}': '1' } })
              .then(() => result.preflighted = 'answered', e => result.preflighted = 'blocked');
            fetch('{{viewer}}/photos/1/image').then(r => r.blob()).then(b => result.image = b.size, e => result.image = 'blocked');
            """;
        using var hostile = new HttpListener();
        var port = FreePort();
        hostile.Prefixes.Add($"http://127.0.0.1:{port}/");
        hostile.Start();
        var serving = Task.Run(async () =>
        {
            while (hostile.IsListening)
            {
                HttpListenerContext context;
                try { context = await hostile.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                var html = System.Text.Encoding.UTF8.GetBytes($"<!doctype html><html><body><script>{script}</script></body></html>");
                context.Response.ContentType = "text/html";
                await context.Response.OutputStream.WriteAsync(html);
                context.Response.Close();
            }
        });
        await using var browser = await HeadlessChromium.LaunchAsync(400, 300);
        var page = await browser.NewPageAsync();
        await page.GoToAsync($"http://127.0.0.1:{port}/");
        await WaitFor(page, "result.closed && result.upload && result.preflighted && result.image");
        await Task.Delay(500);
        Assert.False(await page.EvaluateExpressionAsync<bool>("result.open"), "the hostile page opened the views socket");
        Assert.False(await page.EvaluateExpressionAsync<bool>("result.message"), "the hostile page received a view");
        Assert.Equal("blocked", await page.EvaluateExpressionAsync<string>("String(result.image)"));
        Assert.Equal("blocked", await page.EvaluateExpressionAsync<string>("result.preflighted"));
        Assert.Equal(0, v.Server.ViewsSent);
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        using var current = JsonDocument.Parse(await http.GetStringAsync("/photos"));
        Assert.Equal("1", current.RootElement.GetProperty("current").GetString());
        hostile.Stop();
        await serving;
    }

    static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
