using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using InstantViews.Tests.Viewer;
using InstantViews.Viewer;

namespace InstantViews.Tests.Cli;

/// <summary>`view` as a user runs it: a real process that prints its URL, serves the page and views, and stops cleanly on Ctrl-C (SIGINT).</summary>
[Collection("console")]
public class ViewCommandTests
{
    /// <summary>How the process is started and stopped: as from a terminal; as `cmd &amp;` from a script (SIGINT ignored
    /// from the start, which .NET keeps); stopped by SIGTERM.</summary>
    public enum Start { Terminal, BackgroundJob, Terminated }

    [Theory]
    [InlineData(Start.Terminal)]
    [InlineData(Start.BackgroundJob)]
    [InlineData(Start.Terminated)]
    public async Task View_serves_the_page_and_views_then_stops_on_ctrl_c(Start start)
    {
        TestTorch.Init();
        using var dir = new TempDir();
        Checkpoint.Save(dir.File("one-step.safetensors"), OneStepGenWarp.FromTeacher(new GenWarpModel(TinyGenWarp.Config), 20));
        ImageFile.Write(dir.File("photo.png"), TestViewer.Photo(48, 72));
        Npy.WriteFloat32(dir.File("depth.npy"), TestViewer.Depth(48, 72).data<float>().ToArray(), 48, 72);
        // A background job of a non-interactive shell starts with SIGINT ignored: `trap '' INT; exec ...` is exactly that.
        var info = new ProcessStartInfo(start == Start.BackgroundJob ? "/bin/sh" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (start == Start.BackgroundJob) foreach (var a in new[] { "-c", "trap '' INT; exec dotnet \"$@\"", "sh" }) info.ArgumentList.Add(a);
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "InstantViews.Cli.dll"), "view", "--model", dir.File("one-step.safetensors"),
                     "--image", dir.File("photo.png"), "--depth", dir.File("depth.npy"), "--fill-size", "36", "--threads", "1" })
            info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using var p = new Process { StartInfo = info };
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        var errors = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is { } l) lines.Add(l); };
        p.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        string Err() { lock (errors) return errors.ToString(); }
        var seen = new List<string>();
        try
        {
            string? line = null;
            while (lines.TryTake(out var l, TimeSpan.FromSeconds(60)))
            {
                if (l.StartsWith("viewer: ", StringComparison.Ordinal)) { line = l; break; }
                seen.Add(l);
            }
            Assert.True(line is not null, $"no URL printed: {string.Join("\n", seen)}\n{Err()}");
            Assert.Contains("photo 72x48, views filled at 36x24 by one-step.safetensors", string.Join("\n", seen));
            var url = new Uri(line["viewer: ".Length..].Split(' ')[0]);
            Assert.Equal("127.0.0.1", url.Host);
            using var http = new HttpClient();
            Assert.Contains("viewer.js", await http.GetStringAsync(url));
            using var ws = new ClientWebSocket();
            await ws.ConnectAsync(new UriBuilder(new Uri(url, "views")) { Scheme = "ws" }.Uri, CancellationToken.None);
            await ws.SendAsync(Encoding.UTF8.GetBytes("{\"id\":1,\"photo\":\"1\",\"pose\":[1,0,0,0.1, 0,1,0,0, 0,0,1,0, 0,0,0,1]}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[1 << 20];
            var r = await ws.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            Assert.Equal(WebSocketMessageType.Binary, r.MessageType);
            Assert.Equal(1, ViewerProtocol.DecodeView(buffer.AsSpan(0, r.Count)).Header.Id);
        }
        finally
        {
            using var kill = Process.Start("kill", [start == Start.Terminated ? "-TERM" : "-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
        var stopping = Stopwatch.StartNew();
        // Shutdown is bounded at 2 s in the program; the rest is the runtime's exit on a shared machine.
        if (!p.WaitForExit(20_000))
        {
            var output = string.Join("\n", lines);
            p.Kill(entireProcessTree: true);
            Assert.Fail($"view ({start}) did not stop on its signal within 20 s; its output:\n{output}\n{Err()}");
        }
        Console.WriteLine($"view ({start}) stopped {stopping.Elapsed.TotalSeconds:0.00} s after the signal");
        p.WaitForExit(); // drains the output events
        Assert.True(p.ExitCode == 0, Err());
        Assert.Contains(lines, l => l.StartsWith("stopped: 1 views sent", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", Err());
    }
}
