using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Viewer;

namespace InstantViews.Tests.Viewer;

[Collection("global-rng")]
public class ViewerServerTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    static async Task<ClientWebSocket> Connect(ViewerServer server)
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(new UriBuilder(new Uri(server.Url, "views")) { Scheme = "ws" }.Uri, CancellationToken.None);
        return ws;
    }

    static Task Send(ClientWebSocket ws, string text) => ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    static string Pose(RigidTransform pose) =>
        "[" + string.Join(",", ViewerProtocol.Numbers(pose).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";

    static string Request(long id, RigidTransform pose, string photo = "1") => $"{{\"id\":{id},\"photo\":\"{photo}\",\"pose\":{Pose(pose)}}}";

    static readonly RigidTransform Turned = CameraTargets.Orbit(Camera.FromFov(TestViewer.Width, TestViewer.Height, 60), 4, 8, 3).WorldToCamera;

    static Task<(string? Text, byte[]? Binary)> Receive(ClientWebSocket ws) => TestViewer.Receive(ws);

    static async Task<(ViewHeader Header, byte[] Image)> ReceiveView(ClientWebSocket ws)
    {
        var (text, binary) = await Receive(ws);
        Assert.True(binary is not null, $"expected a view, got: {text}");
        return ViewerProtocol.DecodeView(binary);
    }

    static async Task<string> ReceiveError(ClientWebSocket ws)
    {
        var (text, _) = await Receive(ws);
        Assert.NotNull(text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
        return doc.RootElement.GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task A_pose_gets_the_view_made_for_it_at_the_fill_size()
    {
        await using var v = await TestViewer.Start();
        using var ws = await Connect(v.Server);
        await Send(ws, Request(5, Turned));
        var (header, image) = await ReceiveView(ws);
        Assert.Equal(5, header.Id);
        Assert.Equal("1", header.Photo);
        Assert.Equal(ViewerProtocol.Numbers(Turned), header.Pose);
        Assert.Equal((48, 32), (header.Width, header.Height));
        Assert.Equal("tiny", header.Model);
        Assert.True(header.Ms >= header.GenerateMs && header.GenerateMs > 0);
        using var decoded = ImageFile.Decode(image, "view");
        Assert.Equal([3L, 32, 48], decoded.shape);
        // The source pose: the composition keeps every pixel the source sees, so the view is the photo (JPEG-close).
        await Send(ws, Request(6, RigidTransform.Identity));
        var (_, same) = await ReceiveView(ws);
        using var view = ImageFile.Decode(same, "view");
        using var photo = Resize.To(TestViewer.Photo(TestViewer.Height, TestViewer.Width), 32, 48, ResizeFilter.Area);
        Assert.True(view.sub(photo).abs().mean().item<float>() < 0.05f);
    }

    [Fact]
    public async Task Bad_messages_get_an_error_and_the_connection_and_server_survive()
    {
        await using var v = await TestViewer.Start();
        using var ws = await Connect(v.Server);
        await Send(ws, "{not json");
        Assert.Contains("not JSON", await ReceiveError(ws));
        await Send(ws, new string('x', 20_000));
        Assert.Contains("larger than the limit of 4096", await ReceiveError(ws));
        await ws.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("binary messages", await ReceiveError(ws));
        await Send(ws, Request(1, Turned, photo: "99"));
        Assert.Contains("no photo '99'", await ReceiveError(ws));
        await Send(ws, "{\"id\":2,\"photo\":\"1\",\"pose\":[2,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]}");
        Assert.Contains("orthonormal", await ReceiveError(ws));
        await Send(ws, Request(3, Turned));
        Assert.Equal(3, (await ReceiveView(ws)).Header.Id);
        Assert.Equal(WebSocketState.Open, ws.State);
    }

    [Fact]
    public async Task Two_clients_are_served_at_once_and_a_burst_ends_with_the_newest_pose()
    {
        await using var v = await TestViewer.Start();
        using var a = await Connect(v.Server);
        using var b = await Connect(v.Server);
        const int burst = 20;
        for (int i = 1; i <= burst; i++) await Send(a, Request(i, Turned));
        await Send(b, Request(100, RigidTransform.Identity));
        Assert.Equal(100, (await ReceiveView(b)).Header.Id);
        var ids = new List<long>();
        while (ids.Count == 0 || ids[^1] != burst) ids.Add((await ReceiveView(a)).Header.Id);
        // Stale poses are dropped, never queued: every request is either answered or counted as dropped.
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(burst, ids.Count + (int)v.Server.ViewsDropped);
        Assert.Equal(2, v.Server.Clients);
    }

    [Fact]
    public async Task The_photo_is_lifted_once_and_its_layer_behind_the_depth_edges_is_served()
    {
        await using var v = await TestViewer.Start();
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        string state = "";
        for (int i = 0; i < 240 && state is "" or "lifting"; i++)
        {
            state = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/photos/1/layers")).RootElement.GetProperty("state").GetString()!;
            if (state == "lifting") await Task.Delay(250);
        }
        // The test photo has a box 2 m in front of a 4 m wall: a depth edge, so a second layer.
        Assert.Equal("ready", state);
        var png = await http.GetByteArrayAsync("/photos/1/layers/1/image");
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((TestViewer.Width, TestViewer.Height), (bitmap.Width, bitmap.Height));
        var depth = await http.GetByteArrayAsync("/photos/1/layers/1/depth");
        Assert.Equal(TestViewer.Width * TestViewer.Height * 4, depth.Length);
        var values = new float[depth.Length / 4];
        Buffer.BlockCopy(depth, 0, values, 0, depth.Length);
        // Where the layer covers, it lies behind the box, at the wall's 4 m; where it does not, depth 0 and alpha 0.
        var covered = values.Select((d, i) => (d, a: bitmap.GetPixel(i % TestViewer.Width, i / TestViewer.Width).Alpha)).ToList();
        Assert.Contains(covered, c => c.a == 255);
        Assert.All(covered.Where(c => c.a == 255), c => Assert.InRange(c.d, 3.5f, 4.5f));
        Assert.All(covered.Where(c => c.a == 0), c => Assert.Equal(0f, c.d));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/photos/9/layers")).StatusCode);

        // The same scene for download, as `lift` writes it: a .glb with a node per layer and the .ply's splats.
        var glb = await http.GetAsync("/photos/1/scene.glb");
        Assert.Equal(HttpStatusCode.OK, glb.StatusCode);
        Assert.Equal("model/gltf-binary", glb.Content.Headers.ContentType!.MediaType);
        Assert.Equal("instantviews-1.glb", glb.Content.Headers.ContentDisposition!.FileNameStar ?? glb.Content.Headers.ContentDisposition.FileName);
        var model = SharpGLTF.Schema2.ModelRoot.ParseGLB(await glb.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, model.LogicalNodes.Count);
        var ply = await http.GetByteArrayAsync("/photos/1/scene.ply");
        var header = System.Text.Encoding.ASCII.GetString(ply, 0, Math.Min(ply.Length, 600));
        var end = header.IndexOf("end_header\n", StringComparison.Ordinal) + "end_header\n".Length;
        var count = long.Parse(header.Split('\n').First(l => l.StartsWith("element vertex ", StringComparison.Ordinal))["element vertex ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        // 68 bytes a splat; one per valid pixel of each layer (step 1 at this size).
        Assert.Equal(end + 68 * count, ply.Length);
        Assert.Equal(TestViewer.Width * TestViewer.Height + covered.Count(c => c.a == 255), count);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/photos/9/scene.glb")).StatusCode);
    }

    [Fact]
    public async Task Only_embedded_assets_are_served_and_nothing_else_on_the_disk()
    {
        await using var v = await TestViewer.Start();
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        var page = await http.GetStringAsync("/");
        Assert.Contains("/assets/viewer.js", page);
        foreach (var name in ViewerAssets.Names)
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/assets/" + name)).StatusCode);
        var secret = Path.Combine(AppContext.BaseDirectory, "InstantViews.Viewer.dll");
        Assert.True(File.Exists(secret));
        foreach (var path in new[] { "/assets/../InstantViews.Viewer.dll", "/assets/..%2FInstantViews.Viewer.dll", "/assets/%2e%2e/%2e%2e/etc/passwd",
                     "/assets//etc/passwd", "/assets/wwwroot/index.html", "/assets/InstantViews.Viewer.dll", "/assets/" + secret, "/etc/passwd", "/InstantViews.Viewer.dll" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }
        // The asset set is exactly the page's source files.
        var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/InstantViews.Viewer/wwwroot"));
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(source, f).Replace('\\', '/')).Order();
        Assert.Equal(files, ViewerAssets.Names.Order());
    }

    [Fact]
    public async Task The_server_binds_to_loopback_by_default()
    {
        Assert.True(new ViewerSettings().IsLoopback);
        Assert.False(new ViewerSettings { Host = "0.0.0.0" }.IsLoopback);
        Assert.Throws<InstantViews.Runtime.UserError>(() => new ViewerSettings { Host = "example" }.Check());
        await using var v = await TestViewer.Start();
        Assert.Equal("127.0.0.1", v.Server.Url.Host);
    }

    [Fact]
    public async Task Uploads_open_a_new_photo_and_bad_or_large_files_get_a_clear_error()
    {
        await using var v = await TestViewer.Start(new ViewerSettings { MaxUploadBytes = 64 * 1024 });
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        async Task<(HttpStatusCode, JsonElement)> Post(byte[] body)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/photos") { Content = content };
            request.Headers.Add("X-File-Name", "up.png");
            request.Headers.Add(ViewerAccess.UploadHeader, "1");
            // The body waits for the server's go-ahead: a refused upload is answered before it is sent.
            request.Headers.ExpectContinue = true;
            var response = await http.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
        }
        var (code, body) = await Post(Encoding.UTF8.GetBytes("not an image"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("'up.png': not a readable image", body.GetProperty("error").GetString());
        (code, body) = await Post(new byte[200 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, code);
        Assert.Contains("larger than the limit of 0.1 MB", body.GetProperty("error").GetString());
        using var dir = new TempDir();
        ImageFile.Write(dir.File("p.png"), TestViewer.Photo(40, 60));
        (code, body) = await Post(File.ReadAllBytes(dir.File("p.png")));
        Assert.Equal(HttpStatusCode.OK, code);
        var id = body.GetProperty("id").GetString();
        Assert.Equal("2", id);
        using var info = JsonDocument.Parse(await http.GetStringAsync($"/photos/{id}"));
        Assert.Equal(60, info.RootElement.GetProperty("width").GetInt32());
        Assert.Equal(40 * 60 * 4, (await http.GetByteArrayAsync($"/photos/{id}/depth")).Length);
        using var current = JsonDocument.Parse(await http.GetStringAsync("/photos"));
        Assert.Equal("2", current.RootElement.GetProperty("current").GetString());
        // A photo larger than the session's maximum (256 px here) is scaled down before its depth is estimated.
        ImageFile.Write(dir.File("big.png"), TestViewer.Photo(200, 300));
        (code, body) = await Post(File.ReadAllBytes(dir.File("big.png")));
        Assert.Equal(HttpStatusCode.OK, code);
        using var big = JsonDocument.Parse(await http.GetStringAsync($"/photos/{body.GetProperty("id").GetString()}"));
        Assert.Equal((256, 171), (big.RootElement.GetProperty("width").GetInt32(), big.RootElement.GetProperty("height").GetInt32()));
    }
}
