using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using InstantViews.Imaging;
using InstantViews.Viewer;

namespace InstantViews.Tests.Viewer;

/// <summary>
/// The viewer belongs to its user alone (docs/viewer.md, "Security"): each case of the audit, as a hostile page or a
/// careless client would try it, refused; and the limits that keep one client from holding the server.
/// </summary>
[Collection("global-rng")]
public class ViewerSecurityTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    const string Identity = "[1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]";
    static string Request(long id) => $"{{\"id\":{id},\"photo\":\"1\",\"pose\":{Identity}}}";

    static Uri Socket(ViewerServer server) => new UriBuilder(new Uri(server.Url, "/views")) { Scheme = "ws", Query = "" }.Uri;

    static async Task<ClientWebSocket> Connect(ViewerServer server, string? origin = null, string? cookie = null)
    {
        var ws = new ClientWebSocket();
        if (origin is not null) ws.Options.SetRequestHeader("Origin", origin);
        if (cookie is not null) ws.Options.SetRequestHeader("Cookie", cookie);
        ws.Options.CollectHttpResponseDetails = true;
        await ws.ConnectAsync(Socket(server), CancellationToken.None);
        return ws;
    }

    static async Task<HttpStatusCode> RefusedSocket(ViewerServer server, string origin)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Origin", origin);
        ws.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => ws.ConnectAsync(Socket(server), CancellationToken.None));
        return ws.HttpStatusCode;
    }

    static Task Send(ClientWebSocket ws, string text) => ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    static Task<(string? Text, byte[]? Binary)> Receive(ClientWebSocket ws) => TestViewer.Receive(ws);

    static async Task<HttpResponseMessage> Get(ViewerServer server, string path, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Url, path));
        foreach (var (name, value) in headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        return await http.SendAsync(request);
    }

    static async Task<string> Error(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

    [Fact]
    public async Task Another_host_name_gets_421_so_dns_rebinding_reads_nothing()
    {
        await using var v = await TestViewer.Start();
        var port = v.Server.Url.Port;
        foreach (var path in new[] { "/photos/1/image", "/photos/1/depth", "/photos/1", "/photos", "/" })
        {
            var response = await Get(v.Server, path, ("Host", $"evil.example:{port}"));
            Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
            var error = await Error(response);
            Assert.Contains("host name 'evil.example' is not one of this viewer's", error);
            Assert.DoesNotContain("127.0.0.1", error); // the accepted names are not told to a stranger
        }
        // Whatever is served may not be embedded, framed or sniffed by another site's page.
        var image = await Get(v.Server, "/photos/1/image");
        Assert.Equal("same-origin", image.Headers.GetValues("Cross-Origin-Resource-Policy").Single());
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("frame-ancestors 'none'", image.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", image.Headers.GetValues("X-Frame-Options").Single());
        // The loopback names are the viewer's own.
        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"LOCALHOST:{port}", $"[::1]:{port}" })
            Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/photos/1/image", ("Host", host))).StatusCode);
    }

    [Fact]
    public async Task A_socket_from_another_origin_is_refused_and_the_viewers_own_page_is_served()
    {
        await using var v = await TestViewer.Start();
        var port = v.Server.Url.Port;
        foreach (var origin in new[] { "http://evil.example", "null", $"http://127.0.0.1:{port + 1}", $"http://localhost:{port - 1}", $"https://evil.example:{port}", "file://", "chrome-extension://abc" })
            Assert.Equal(HttpStatusCode.Forbidden, await RefusedSocket(v.Server, origin));
        Assert.Equal(0, v.Server.Clients);
        foreach (var origin in new[] { $"http://127.0.0.1:{port}", $"http://localhost:{port}" })
        {
            using var ws = await Connect(v.Server, origin);
            await Send(ws, Request(1));
            Assert.NotNull((await Receive(ws)).Binary);
        }
    }

    [Fact]
    public async Task Cross_site_requests_and_preflights_are_refused_but_a_navigation_to_the_page_is_not()
    {
        await using var v = await TestViewer.Start();
        foreach (var site in new[] { "cross-site", "same-site" })
        {
            var response = await Get(v.Server, "/photos/1/image", ("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", "no-cors"));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains($"a {site} request is refused", await Error(response));
        }
        Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/photos/1/image", ("Sec-Fetch-Site", "same-origin"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/", ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate"))).StatusCode);

        using var http = new HttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(v.Server.Url, "/photos"));
        preflight.Headers.TryAddWithoutValidation("Origin", "http://evil.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", ViewerAccess.UploadHeader);
        var answer = await http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_upload_without_the_viewers_header_changes_nothing()
    {
        await using var v = await TestViewer.Start();
        using var dir = new TempDir();
        ImageFile.Write(dir.File("p.png"), TestViewer.Photo(40, 60));
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        // What a cross-origin page can send without a preflight: a simple POST, text/plain.
        var content = new ByteArrayContent(File.ReadAllBytes(dir.File("p.png")));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var response = await http.PostAsync("/photos", content);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains($"must carry the {ViewerAccess.UploadHeader} header", await Error(response));
        using var current = JsonDocument.Parse(await http.GetStringAsync("/photos"));
        Assert.Equal("1", current.RootElement.GetProperty("current").GetString());
    }

    [Fact]
    public async Task With_a_token_every_request_needs_it_and_the_page_gets_it_as_a_cookie()
    {
        await using var v = await TestViewer.Start(new ViewerSettings { Token = "s3cret-token" });
        Assert.Equal("?token=s3cret-token", v.Server.Url.Query);
        Assert.True(v.Server.Access.RequiresToken);
        var bare = new Uri(v.Server.Url.GetLeftPart(UriPartial.Path));
        using var http = new HttpClient();
        var refused = await http.GetAsync(new Uri(bare, "/photos/1/image"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("needs its access token", await Error(refused));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(new Uri(bare, "/photos/1/image?token=wrong"))).StatusCode);
        await Assert.ThrowsAsync<WebSocketException>(() => new ClientWebSocket().ConnectAsync(Socket(v.Server), CancellationToken.None));

        var page = await http.GetAsync(v.Server.Url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = Assert.Single(page.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"{v.Server.Access.CookieName}=s3cret-token", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var pair = cookie.Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/photos/1/image", ("Cookie", pair))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/photos/1/image", (ViewerAccess.TokenHeader, "s3cret-token"))).StatusCode);
        using var ws = await Connect(v.Server, cookie: pair);
        await Send(ws, Request(1));
        Assert.NotNull((await Receive(ws)).Binary);
    }

    [Fact]
    public async Task Listening_beyond_loopback_needs_a_token_and_answers_to_the_machines_own_addresses()
    {
        var error = Assert.Throws<InstantViews.Runtime.UserError>(() => new ViewerSettings { Host = "0.0.0.0" }.Check());
        Assert.Contains("needs an access token", error.Message);
        Assert.Throws<InstantViews.Runtime.UserError>(() => new ViewerSettings { AllowedHosts = ["a b"] }.Check());
        var token = ViewerAccess.NewToken();
        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.NotEqual(token, ViewerAccess.NewToken());
        var names = ViewerAccess.HostNames(IPAddress.Any, ["viewer.lan"]).ToList();
        Assert.Contains("viewer.lan", names);
        Assert.Contains(Dns.GetHostName(), names);
        Assert.Contains("127.0.0.1", names);
        Assert.DoesNotContain(Dns.GetHostName(), ViewerAccess.HostNames(IPAddress.Loopback, []));

        await using var v = await TestViewer.Start(new ViewerSettings { Host = "0.0.0.0", Token = token, AllowedHosts = ["viewer.lan"] });
        Assert.Equal($"?token={token}", v.Server.Url.Query);
        var port = v.Server.Url.Port;
        Assert.Equal(HttpStatusCode.OK, (await Get(v.Server, "/photos", ("Host", $"viewer.lan:{port}"), (ViewerAccess.TokenHeader, token))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(v.Server, "/photos", ("Host", $"viewer.lan:{port}"))).StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await Get(v.Server, "/photos", ("Host", $"evil.example:{port}"), (ViewerAccess.TokenHeader, token))).StatusCode);
    }

    [Fact]
    public async Task Duplicate_keys_and_other_malformed_messages_get_an_error_and_the_connection_stays()
    {
        await using var v = await TestViewer.Start();
        using var ws = await Connect(v.Server);
        foreach (var bad in new[] { $"{{\"id\":1,\"id\":2,\"photo\":\"1\",\"pose\":{Identity}}}", $"{{\"id\":1,\"photo\":\"1\",\"photo\":\"2\",\"pose\":{Identity}}}",
                     "[[[[[[[[[[[[1]]]]]]]]]]]]", "\"just a string\"", "{\"id\":1e400,\"photo\":\"1\",\"pose\":[]}", "\xff\xfe" })
        {
            await Send(ws, bad);
            var (text, _) = await Receive(ws);
            Assert.NotNull(text);
            Assert.Equal("error", JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        }
        await Send(ws, Request(7));
        var (_, view) = await Receive(ws);
        Assert.Equal(7, ViewerProtocol.DecodeView(view).Header.Id);
    }

    [Fact]
    public async Task A_silent_socket_and_a_message_that_never_ends_lose_their_slot()
    {
        await using var v = await TestViewer.Start(new ViewerSettings { IdleTimeout = TimeSpan.FromSeconds(1), MessageTimeout = TimeSpan.FromSeconds(1) });
        using var idle = await Connect(v.Server);
        using var slow = await Connect(v.Server);
        // The start of a message (not its end), then nothing: as a frame that claims more bytes than it sends.
        await slow.SendAsync(Encoding.UTF8.GetBytes("{\"id\":1,"), WebSocketMessageType.Text, false, CancellationToken.None);
        Assert.Equal(2, v.Server.Clients);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (v.Server.Clients > 0 && clock.Elapsed < Wait) await Task.Delay(50);
        Assert.Equal(0, v.Server.Clients);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(0.5), $"closed after {clock.Elapsed.TotalSeconds:0.00} s");
        // A socket that keeps talking is not idle.
        using var busy = await Connect(v.Server);
        for (int i = 0; i < 6; i++)
        {
            await Send(busy, Request(i));
            Assert.NotNull((await Receive(busy)).Binary);
            await Task.Delay(400);
        }
        Assert.Equal(WebSocketState.Open, busy.State);
    }

    [Fact]
    public async Task A_client_that_never_reads_its_answers_is_closed_and_the_server_goes_on()
    {
        await using var v = await TestViewer.Start(new ViewerSettings { MaxQueuedMessages = 4 });
        using var flood = await Connect(v.Server);
        var closed = false;
        var frame = new byte[] { 1 };
        // Each binary frame earns an error reply; the client never reads them. Once the socket buffers are full the
        // replies queue on the server, and beyond 4 of them the client is dropped.
        for (int i = 0; i < 2_000_000 && !closed; i++)
        {
            try { await flood.SendAsync(frame, WebSocketMessageType.Binary, true, new CancellationTokenSource(Wait).Token); }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException) { closed = true; }
            if (i % 10_000 == 0 && v.Server.Clients == 0) closed = true;
        }
        Assert.True(closed, "the flooding client was never closed");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (v.Server.Clients > 0 && clock.Elapsed < Wait) await Task.Delay(50);
        Assert.Equal(0, v.Server.Clients);
        using var next = await Connect(v.Server);
        await Send(next, Request(1));
        Assert.NotNull((await Receive(next)).Binary);
    }

    [Fact]
    public async Task An_upload_beyond_the_pixel_budget_is_refused_before_decoding()
    {
        await using var v = await TestViewer.Start(new ViewerSettings { MaxUploadPixels = 50 * 50 });
        using var dir = new TempDir();
        using var http = new HttpClient { BaseAddress = v.Server.Url };
        async Task<(HttpStatusCode, string)> Post(byte[] bytes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/photos") { Content = new ByteArrayContent(bytes) };
            request.Headers.Add(ViewerAccess.UploadHeader, "1");
            request.Headers.Add("X-File-Name", Uri.EscapeDataString("photo ü.png"));
            var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        ImageFile.Write(dir.File("big.png"), TestViewer.Photo(60, 60));
        var (code, body) = await Post(File.ReadAllBytes(dir.File("big.png")));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("'photo ü.png': image of 60x60 pixels is larger than the limit of 2500 pixels", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        ImageFile.Write(dir.File("small.png"), TestViewer.Photo(40, 48));
        (code, _) = await Post(File.ReadAllBytes(dir.File("small.png")));
        Assert.Equal(HttpStatusCode.OK, code);
    }
}
