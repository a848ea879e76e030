using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InstantViews.Tests.Runtime;

/// <summary>
/// A one-file HTTP server on the loopback address for download tests: GET of <see cref="Path"/> answers the bytes,
/// anything else 404; a response may be cut short to look like a dropped connection. Stops on Dispose.
/// </summary>
sealed class LocalHttp : IDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Task serving;
    readonly byte[] body;
    readonly int? cutAfter;
    public const string Path = "/model.onnx";
    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}{Path}";
    public string Base => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    /// <param name="cutAfter">Send the full Content-Length header but only this many body bytes, then close.</param>
    public LocalHttp(byte[] body, int? cutAfter = null)
    {
        this.body = body;
        this.cutAfter = cutAfter;
        listener.Start();
        serving = Task.Run(Serve);
    }

    async Task Serve()
    {
        // At most 20 requests, each answered at once: a test never leaves it running.
        for (int i = 0; i < 20 && !stop.IsCancellationRequested; i++)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            using (client)
            {
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer, stop.Token);
                    if (n == 0) break;
                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var path = request.ToString().Split(' ') is [_, var p, ..] ? p : "";
                var found = path == Path;
                var content = found ? body : "not here"u8.ToArray();
                var head = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Length: {content.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
                await stream.WriteAsync(content.AsMemory(0, found && cutAfter is { } cut ? cut : content.Length), stop.Token);
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try { serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        stop.Dispose();
    }
}
