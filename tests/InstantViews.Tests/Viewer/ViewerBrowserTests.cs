using System.Diagnostics;
using System.Text.Json;
using InstantViews.Bench;
using InstantViews.Geometry;
using InstantViews.Imaging;
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

        var before = await Canvas(page, "viewer-start.png");
        Assert.Equal([3L, TestViewer.Height, TestViewer.Width], before.shape);
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
        var after = await Canvas(page, "viewer-dragged.png");
        Assert.True(after.sub(before).abs().mean().item<float>() > 0.02f, "the drawing did not change with the camera");

        var frames = await page.EvaluateExpressionAsync<long>("viewer.stats.frames");
        Assert.True(fps > 0 && frames > 10, $"fps {fps}, frames {frames}");
        Assert.True(arrivedMs < ViewArrivesWithinMs);
        Assert.Empty(errors);
        Console.WriteLine($"viewer test: view for the new pose after {arrivedMs} ms, {fps} fps; screenshots in {Artefacts}");
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
}
