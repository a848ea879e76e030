using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using InstantViews.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SkiaSharp;
using static TorchSharp.torch;

namespace InstantViews.Viewer;

/// <summary>Opens a new photo for the server (an upload): decoded image [3,H,W] and a name for errors.</summary>
public delegate PhotoViews PhotoOpener(Tensor photo, string name);

/// <summary>
/// The viewer's in-process web server (ASP.NET Core Kestrel; docs/viewer.md): the embedded page, the photos
/// (image, depth, camera), uploads, and the views WebSocket. All model work runs on one <see cref="LatestWorker"/>:
/// each client's newest pose is served, older ones are dropped.
/// </summary>
public sealed class ViewerServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly LatestWorker worker;
    readonly ViewerPhotos photos;
    readonly ViewerSettings settings;
    readonly PhotoOpener open;
    readonly SemaphoreSlim uploading = new(1, 1);
    ViewerAccess? access;
    int clients;
    long views;

    /// <summary>How long stopping waits for open sockets before aborting them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The page's address (with the access token when one is required).</summary>
    public Uri Url { get; private set; } = null!;
    /// <summary>Cancelled when the web host stops by itself (e.g. its own console lifetime saw SIGQUIT).</summary>
    public CancellationToken Stopping => app.Lifetime.ApplicationStopping;

    /// <summary>Who may use the server: its host names, its port, its token.</summary>
    public ViewerAccess Access => access!;
    public long ViewsSent => Interlocked.Read(ref views);
    public long ViewsDropped => worker.Dropped;
    public int Clients => Volatile.Read(ref clients);

    ViewerServer(WebApplication app, LatestWorker worker, ViewerPhotos photos, ViewerSettings settings, PhotoOpener open) =>
        (this.app, this.worker, this.photos, this.settings, this.open) = (app, worker, photos, settings, open);

    /// <summary>Starts serving <paramref name="first"/>; <paramref name="open"/> opens uploaded photos (on the worker thread).</summary>
    public static async Task<ViewerServer> StartAsync(ViewerSettings settings, PhotoViews first, PhotoOpener open)
    {
        settings.Check();
        var worker = new LatestWorker();
        var photos = new ViewerPhotos(settings.MaxPhotos);
        var opened = await worker.Run(() => ViewerPhoto.Create(photos.NextId(), first));
        photos.Add(opened);
        // The lifted layer is made after the photo is served: the page draws the photo's mesh at once and the layer when it comes.
        _ = worker.Run(() => { opened.Layers.Lift(opened.Views); return 0; });
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "instantviews", ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        // Ctrl-C must not wait for open view sockets: they end when the application stops (Receive below), and
        // whatever is still open after 2 s is aborted.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(settings.Address, settings.Port);
            k.Limits.MaxRequestBodySize = settings.MaxUploadBytes;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var server = new ViewerServer(app, worker, photos, settings, open);
        server.Map();
        try { await app.StartAsync(); }
        catch (Exception e) when (e is IOException or SocketException)
        {
            worker.Dispose();
            throw new UserError($"cannot listen on {settings.Host}:{settings.Port} ({e.Message.Split('\n')[0]})");
        }
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.access = new ViewerAccess(ViewerAccess.HostNames(settings.Address, settings.AllowedHosts), address.Port, settings.Token);
        var url = address.ToString().Replace("[::]", "[::1]").Replace("0.0.0.0", "127.0.0.1");
        server.Url = new Uri(settings.Token is { } token ? $"{url}?{ViewerAccess.TokenParameter}={token}" : url);
        return server;
    }

    void Map()
    {
        app.Use(Guard);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/assets/{**name}", (string name) => Asset(name));
        app.MapGet("/photos", () => Results.Json(new { current = photos.Current.Id, model = settings.ModelName }));
        app.MapGet("/photos/{id}", (string id) => photos.Get(id) is { } p ? Results.Text(p.Description, "application/json") : NotFound(id));
        app.MapGet("/photos/{id}/image", (string id) => photos.Get(id) is { } p ? Results.Bytes(p.Image, "image/jpeg") : NotFound(id));
        app.MapGet("/photos/{id}/depth", (string id) => photos.Get(id) is { } p ? Results.Bytes(p.Depth, "application/octet-stream") : NotFound(id));
        app.MapGet("/photos/{id}/layers", (string id) => photos.Get(id) is { } p ? Results.Text(p.Layers.Describe(), "application/json") : NotFound(id));
        app.MapGet("/photos/{id}/layers/1/image", (string id) => photos.Get(id)?.Layers.Image is { } b ? Results.Bytes(b, "image/png") : NotFound(id));
        app.MapGet("/photos/{id}/layers/1/depth", (string id) => photos.Get(id)?.Layers.Depth is { } b ? Results.Bytes(b, "application/octet-stream") : NotFound(id));
        app.MapGet("/photos/{id}/scene.glb", (string id) => Export(id, "glb", "model/gltf-binary"));
        app.MapGet("/photos/{id}/scene.ply", (string id) => Export(id, "ply", "application/octet-stream"));
        app.MapPost("/photos", (Delegate)Upload);
        app.Map("/views", Views);
    }

    /// <summary>Every request passes <see cref="ViewerAccess"/> first; a page opened with the token gets it as a cookie.</summary>
    async Task Guard(HttpContext context, RequestDelegate next)
    {
        if (access is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (access.Check(context.Request) is { } refusal)
        {
            context.Response.StatusCode = refusal.Status;
            await context.Response.WriteAsJsonAsync(new { error = refusal.Message });
            return;
        }
        // Nothing the viewer sends may be embedded, framed or sniffed by another site's page.
        var headers = context.Response.Headers;
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Content-Security-Policy"] = "frame-ancestors 'none'";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (access.QueryHasToken(context.Request))
        {
            context.Response.Cookies.Append(access.CookieName, context.Request.Query[ViewerAccess.TokenParameter].ToString(),
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        }
        await next(context);
    }

    /// <summary>The photo's lifted scene as a download (encoded on the worker, which owns the scene's tensors).</summary>
    async Task<IResult> Export(string id, string format, string type)
    {
        if (photos.Get(id) is not { } photo) return NotFound(id);
        var bytes = await worker.Run(() => photo.Layers.Export(format));
        return bytes is null
            ? Results.Json(new { error = $"photo '{id}' is not lifted yet ({photo.Layers.State})" }, statusCode: 409)
            : Results.Bytes(bytes, type, $"instantviews-{id}.{format}");
    }

    static IResult Asset(string name) =>
        ViewerAssets.TryGet(name, out var bytes, out var type) ? Results.Bytes(bytes, type) : Results.NotFound();

    static IResult NotFound(string id) => Results.Json(new { error = $"no photo '{id}' (it may have been replaced by newer uploads)" }, statusCode: 404);

    /// <summary>One upload at a time (its body, then its decode on the worker under the pixel budget); others wait their turn.</summary>
    async Task<IResult> Upload(HttpContext context)
    {
        var length = context.Request.ContentLength;
        if (length > settings.MaxUploadBytes) return TooLarge(context, length.Value);
        if (!await uploading.WaitAsync(TimeSpan.FromSeconds(60), context.RequestAborted))
            return Results.Json(new { error = "another upload is still being opened; try again" }, statusCode: 503);
        try
        {
            byte[] bytes;
            try
            {
                using var memory = new MemoryStream();
                await context.Request.Body.CopyToAsync(memory, context.RequestAborted);
                bytes = memory.ToArray();
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return TooLarge(context, null); }
            var name = context.Request.Headers["X-File-Name"].FirstOrDefault() is { Length: > 0 and < 256 } n ? FileName(n) : "upload";
            try
            {
                var photo = await worker.Run(() =>
                {
                    using var decoded = ImageFile.Decode(bytes, name, settings.MaxUploadPixels);
                    bytes = [];
                    return ViewerPhoto.Create(photos.NextId(), open(decoded, name));
                });
                if (photos.Add(photo) is { } evicted) _ = worker.Run(() => { evicted.Views.Dispose(); evicted.Layers.Dispose(); return 0; });
                _ = worker.Run(() => { photo.Layers.Lift(photo.Views); return 0; });
                return Results.Json(new { id = photo.Id });
            }
            catch (UserError e) { return Results.Json(new { error = e.Message }, statusCode: 400); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Json(new { error = $"could not open '{name}' ({e.Message.Split('\n')[0]})" }, statusCode: 500);
            }
        }
        finally { uploading.Release(); }
    }

    /// <summary>The page sends the file's name URL-encoded (a header carries no other characters).</summary>
    static string FileName(string header)
    {
        try { return Uri.UnescapeDataString(header); }
        catch (UriFormatException) { return header; }
    }

    /// <summary>413; the unread body stays on the connection, so the connection is closed after the answer (not reused).</summary>
    IResult TooLarge(HttpContext context, long? length)
    {
        context.Response.Headers.Connection = "close";
        return Results.Json(new
        {
            error = $"the file{(length is { } l ? $" of {l / 1048576.0:0.0} MB" : "")} is larger than the limit of {settings.MaxUploadBytes / 1048576.0:0.#} MB",
        }, statusCode: 413);
    }

    async Task Views(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("a WebSocket is expected here");
            return;
        }
        if (Interlocked.Increment(ref clients) > settings.MaxClients)
        {
            Interlocked.Decrement(ref clients);
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync($"too many viewers (limit {settings.MaxClients})");
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
            var client = new ViewerClient(socket, settings.MaxQueuedMessages);
            try { await Receive(client, ending.Token); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
            finally
            {
                worker.Forget(client);
                client.Complete();
                if (socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) socket.Abort();
                await client.Sent;
            }
        }
        finally { Interlocked.Decrement(ref clients); }
    }

    /// <summary>
    /// Reads requests until the client closes, goes quiet for <see cref="ViewerSettings.IdleTimeout"/>, takes longer
    /// than <see cref="ViewerSettings.MessageTimeout"/> to finish a message, or stops reading its answers. Every
    /// malformed message is answered with an error and the connection kept.
    /// </summary>
    async Task Receive(ViewerClient client, CancellationToken ending)
    {
        var buffer = new byte[ViewerProtocol.MaxMessageBytes];
        var scratch = new byte[4096];
        while (client.Socket.State == WebSocketState.Open && !client.Closed)
        {
            var (count, overflow) = (0, 0L);
            ValueWebSocketReceiveResult r;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ending);
            limit.CancelAfter(settings.IdleTimeout);
            var first = true;
            do
            {
                // Past the limit the rest of the message is read into a scratch buffer and dropped.
                try { r = await client.Socket.ReceiveAsync(count < buffer.Length ? buffer.AsMemory(count) : scratch, limit.Token); }
                catch (OperationCanceledException) when (!ending.IsCancellationRequested) { return; } // idle or too slow: the socket is aborted
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    // A client that closes and stops reading must not hold its slot: the close reply waits 2 s at most.
                    using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    try { await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closing.Token); }
                    catch (OperationCanceledException) { client.Socket.Abort(); }
                    return;
                }
                if (first) limit.CancelAfter(settings.MessageTimeout);
                first = false;
                if (count < buffer.Length) count += r.Count;
                else overflow += r.Count;
            } while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Binary) { client.Send(ViewerProtocol.Error("binary messages are not accepted; send a JSON pose as text")); continue; }
            if (overflow > 0) { client.Send(ViewerProtocol.Error($"message of {count + overflow} bytes is larger than the limit of {ViewerProtocol.MaxMessageBytes}")); continue; }
            ViewRequest request;
            try { request = ViewerProtocol.ParseRequest(buffer.AsSpan(0, count)); }
            catch (ProtocolError e) { client.Send(ViewerProtocol.Error(e.Message)); continue; }
            worker.Post(client, () => Answer(client, request));
        }
    }

    /// <summary>Makes and sends the view of one request (on the worker thread).</summary>
    void Answer(ViewerClient client, ViewRequest request)
    {
        if (photos.Get(request.Photo) is not { } photo)
        {
            client.Send(ViewerProtocol.Error($"no photo '{request.Photo}' (it may have been replaced by newer uploads)", request.Id));
            return;
        }
        byte[] message;
        try
        {
            using var view = photo.Views.Render(request.Pose, settings.Seed);
            var jpeg = ImageFile.Encode(view.Image, SKEncodedImageFormat.Jpeg, settings.JpegQuality);
            var header = new ViewHeader(request.Id, photo.Id, ViewerProtocol.Numbers(request.Pose), Math.Round(view.Milliseconds, 1),
                Math.Round(view.GenerateMilliseconds, 1), Math.Round(view.ComposeMilliseconds, 1), (int)view.Image.shape[2], (int)view.Image.shape[1], "jpeg", settings.ModelName);
            message = ViewerProtocol.EncodeView(header, jpeg);
        }
        catch (Exception e) when (e is UserError or ArgumentException)
        {
            client.Send(ViewerProtocol.Error(e.Message, request.Id));
            return;
        }
        client.Send(message);
        Interlocked.Increment(ref views);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        worker.Dispose();
    }
}

/// <summary>
/// One views socket. Messages for it wait in a bounded queue that one loop sends in order, so the worker never
/// blocks on a slow client; a client whose queue is full (it does not read) is closed and its messages dropped.
/// </summary>
sealed class ViewerClient
{
    readonly Channel<(byte[] Bytes, WebSocketMessageType Type)> queue;
    int closed;

    public WebSocket Socket { get; }
    /// <summary>Ends when every queued message was sent or dropped.</summary>
    public Task Sent { get; }
    public bool Closed => Volatile.Read(ref closed) != 0;

    public ViewerClient(WebSocket socket, int capacity)
    {
        Socket = socket;
        queue = Channel.CreateBounded<(byte[], WebSocketMessageType)>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Sent = Task.Run(SendLoop);
    }

    public void Send(string text) => Enqueue(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public void Send(byte[] binary) => Enqueue(binary, WebSocketMessageType.Binary);

    /// <summary>The socket is ending: nothing more is queued, and what is queued is dropped.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref closed, 1);
        queue.Writer.TryComplete();
    }

    void Enqueue(byte[] bytes, WebSocketMessageType type)
    {
        if (Closed || queue.Writer.TryWrite((bytes, type))) return;
        // The queue is full: the client is not reading. Close it rather than hold its messages.
        if (Interlocked.Exchange(ref closed, 1) == 0)
        {
            queue.Writer.TryComplete();
            try { Socket.Abort(); }
            catch (ObjectDisposedException) { }
        }
    }

    async Task SendLoop()
    {
        try
        {
            await foreach (var (bytes, type) in queue.Reader.ReadAllAsync())
            {
                if (Closed || Socket.State != WebSocketState.Open) continue; // drain: nothing more goes out
                await Socket.SendAsync(bytes, type, true, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            Interlocked.Exchange(ref closed, 1);
            queue.Writer.TryComplete();
            while (queue.Reader.TryRead(out _)) { }
        }
    }
}
