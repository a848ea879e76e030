using System.Net;
using System.Net.WebSockets;
using System.Text;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
    int clients;
    long views;

    /// <summary>The page's address.</summary>
    public Uri Url { get; private set; } = null!;
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
        photos.Add(await worker.Run(() => ViewerPhoto.Create(photos.NextId(), first)));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "instantviews", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // Ctrl-C must not wait for open view sockets: they end when the application stops (Receive below), and
        // whatever is still open after 2 s is aborted.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
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
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            worker.Dispose();
            throw new UserError($"cannot listen on {settings.Host}:{settings.Port} ({e.Message.Split('\n')[0]})");
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("[::]", "[::1]").Replace("0.0.0.0", "127.0.0.1") + "/");
        return server;
    }

    void Map()
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/assets/{**name}", (string name) => Asset(name));
        app.MapGet("/photos", () => Results.Json(new { current = photos.Current.Id, model = settings.ModelName }));
        app.MapGet("/photos/{id}", (string id) => photos.Get(id) is { } p ? Results.Text(p.Description, "application/json") : NotFound(id));
        app.MapGet("/photos/{id}/image", (string id) => photos.Get(id) is { } p ? Results.Bytes(p.Image, "image/jpeg") : NotFound(id));
        app.MapGet("/photos/{id}/depth", (string id) => photos.Get(id) is { } p ? Results.Bytes(p.Depth, "application/octet-stream") : NotFound(id));
        app.MapPost("/photos", (Delegate)Upload);
        app.Map("/views", Views);
    }

    static IResult Asset(string name) =>
        ViewerAssets.TryGet(name, out var bytes, out var type) ? Results.Bytes(bytes, type) : Results.NotFound();

    static IResult NotFound(string id) => Results.Json(new { error = $"no photo '{id}' (it may have been replaced by newer uploads)" }, statusCode: 404);

    async Task<IResult> Upload(HttpContext context)
    {
        var length = context.Request.ContentLength;
        if (length > settings.MaxUploadBytes) return TooLarge(context, length.Value);
        byte[] bytes;
        try
        {
            using var memory = new MemoryStream();
            await context.Request.Body.CopyToAsync(memory);
            bytes = memory.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return TooLarge(context, null); }
        var name = context.Request.Headers["X-File-Name"].FirstOrDefault() is { Length: > 0 and < 256 } n ? n : "upload";
        try
        {
            var photo = await worker.Run(() =>
            {
                using var decoded = ImageFile.Decode(bytes, name);
                return ViewerPhoto.Create(photos.NextId(), open(decoded, name));
            });
            if (photos.Add(photo) is { } evicted) _ = worker.Run(() => { evicted.Views.Dispose(); return 0; });
            return Results.Json(new { id = photo.Id });
        }
        catch (UserError e) { return Results.Json(new { error = e.Message }, statusCode: 400); }
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
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var client = new ViewerClient(socket);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
        try { await Receive(client, ending.Token); }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        finally
        {
            worker.Forget(client);
            Interlocked.Decrement(ref clients);
        }
    }

    async Task Receive(ViewerClient client, CancellationToken cancel)
    {
        var buffer = new byte[ViewerProtocol.MaxMessageBytes];
        var scratch = new byte[4096];
        while (client.Socket.State == WebSocketState.Open)
        {
            var (count, overflow) = (0, 0L);
            ValueWebSocketReceiveResult r;
            do
            {
                // Past the limit the rest of the message is read into a scratch buffer and dropped.
                r = await client.Socket.ReceiveAsync(count < buffer.Length ? buffer.AsMemory(count) : scratch, cancel);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
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

/// <summary>One views socket: sends are serialised (one at a time), and never block the worker.</summary>
sealed class ViewerClient(WebSocket socket)
{
    readonly SemaphoreSlim sending = new(1, 1);
    public WebSocket Socket => socket;

    public void Send(string text) => _ = SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public void Send(byte[] binary) => _ = SendAsync(binary, WebSocketMessageType.Binary);

    async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        await sending.WaitAsync();
        try
        {
            if (socket.State == WebSocketState.Open) await socket.SendAsync(bytes, type, true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { }
        finally { sending.Release(); }
    }
}
