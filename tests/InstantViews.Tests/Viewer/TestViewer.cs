using System.Net.WebSockets;
using System.Text;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Tests.GenWarp;
using InstantViews.Viewer;
using static TorchSharp.torch;

namespace InstantViews.Tests.Viewer;

/// <summary>A viewer server on a free loopback port with a test-sized one-step model and a synthetic photo.</summary>
sealed class TestViewer : IAsyncDisposable
{
    public const int Width = 96, Height = 64;
    public ViewerServer Server { get; }
    public PhotoViews First { get; }

    TestViewer(ViewerServer server, PhotoViews first) => (Server, First) = (server, first);

    /// <summary>Depth of the synthetic photo: a far wall at 4 m with a near box at 2 m in its middle (a depth edge to tear at).</summary>
    public static Tensor Depth(int height, int width)
    {
        var d = full(height, width, 4f);
        d[TensorIndex.Slice(height / 4, 3 * height / 4), TensorIndex.Slice(width / 3, 2 * width / 3)] = tensor(2f);
        return d;
    }

    /// <summary>A photo with structure: colour ramps and a bright box where the depth is near.</summary>
    public static Tensor Photo(int height, int width)
    {
        var ys = linspace(-1, 1, height).view(-1, 1).expand(height, width);
        var xs = linspace(-1, 1, width).view(1, -1).expand(height, width);
        var img = stack([xs, ys, xs * ys]) * 0.8;
        var near = Depth(height, width).lt(3).unsqueeze(0).expand(3, -1, -1);
        return where(near, tensor(0.9f), img).contiguous();
    }

    public static async Task<TestViewer> Start(ViewerSettings? settings = null, int fillSize = 48)
    {
        TestTorch.Init();
        var teacher = new GenWarpModel(TinyGenWarp.Config);
        var oneStep = OneStepGenWarp.FromTeacher(teacher, 20);
        oneStep.eval();
        var pipeline = new NovelViewPipeline(new OneStepViews(oneStep));
        var sizes = new PhotoViewSizes(MaxSize: 256, FillSize: fillSize);
        var first = PhotoViews.Open(Photo(Height, Width), Depth(Height, Width), Camera.FromFov(Width, Height, 60), "test depth", pipeline, sizes, "test photo");
        var server = await ViewerServer.StartAsync(settings ?? new ViewerSettings { ModelName = "tiny" }, first,
            (photo, name) => PhotoViews.Open(photo, Camera.FromFov((int)photo.shape[2], (int)photo.shape[1], 60), new PlaneDepth(), pipeline, sizes, name));
        return new TestViewer(server, first);
    }

    /// <summary>The next message on a views socket: (text, null) or (null, binary); fails after 30 s.</summary>
    public static async Task<(string? Text, byte[]? Binary)> Receive(ClientWebSocket ws)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        WebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer, cancel.Token);
            message.Write(buffer, 0, r.Count);
        } while (!r.EndOfMessage);
        return r.MessageType == WebSocketMessageType.Text ? (Encoding.UTF8.GetString(message.ToArray()), null) : (null, message.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        First.Dispose();
    }

    sealed class PlaneDepth : IDepthEstimator
    {
        public string Description => "plane at 3 m";
        public Tensor Estimate(Tensor rgb, Camera? camera = null) => full(rgb.shape[1], rgb.shape[2], 3f);
    }
}
