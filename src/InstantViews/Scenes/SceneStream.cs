using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>
/// Endless fresh views and view pairs rendered on background threads, ahead of the consumer. Item i is a pure
/// function of (split, seed, i), and items are handed out in order, so a stream replays exactly.
/// </summary>
public sealed class SceneStream : IDisposable
{
    /// <summary>First evaluation (test) scene seed; training seeds are hashed into [0, EvalSeedStart).</summary>
    public const long EvalSeedStart = 1_000_000;
    /// <summary>First validation scene seed (tuning and ablations; disjoint from the test seeds below it).</summary>
    public const long ValidationSeedStart = 2_000_000;
    /// <summary>First preview scene seed (trainers' sample grids).</summary>
    public const long PreviewSeedStart = 3_000_000;

    public SceneStreamConfig Config { get; }
    readonly Camera intrinsics;
    readonly int prefetch;
    readonly Queue<Task<RenderedView>> views = new();
    readonly Queue<Task<ViewPair>> pairs = new();
    readonly object gate = new();
    long nextView, nextPair;
    bool disposed;

    public SceneStream(SceneStreamConfig? config = null)
    {
        Config = config ?? new SceneStreamConfig();
        if (Config.Width < 1 || Config.Height < 1) throw new ArgumentException($"view size must be positive, got {Config.Width}x{Config.Height}");
        if (Config.Spp < 1) throw new ArgumentException($"samples per pixel must be at least 1, got {Config.Spp}");
        if (Config.ViewsPerScene < 1) throw new ArgumentException("ViewsPerScene must be at least 1");
        if (!(Config.MinCovisibility <= Config.MaxCovisibility)) throw new ArgumentException("MinCovisibility must not exceed MaxCovisibility");
        intrinsics = Camera.FromFov(Config.Width, Config.Height, (Config.Scene ?? new SceneConfig()).FovXDegrees);
        prefetch = Config.Prefetch > 0 ? Config.Prefetch : 4 * Environment.ProcessorCount;
    }

    /// <summary>
    /// Scene seed number <paramref name="k"/> of a split: evaluation seeds count up from 1,000,000, validation seeds from
    /// 2,000,000, preview seeds from 3,000,000 (streamSeed + k below 1,000,000 keeps them apart); training seeds are hashed below 1,000,000.
    /// </summary>
    public static long SceneSeed(SceneSplit split, long streamSeed, long k) => split switch
    {
        SceneSplit.Eval => EvalSeedStart + streamSeed + k,
        SceneSplit.Validation => ValidationSeedStart + streamSeed + k,
        SceneSplit.Preview => PreviewSeedStart + streamSeed + k,
        _ => (long)(SceneRandom.Mix((ulong)streamSeed * 0x9E3779B97F4A7C15UL + (ulong)k) % (ulong)EvalSeedStart),
    };

    /// <summary>View number <paramref name="index"/> of this stream, rendered on the calling thread.</summary>
    public RenderedView RenderView(long index)
    {
        var scene = SceneGenerator.Generate(SceneSeed(Config.Split, Config.Seed, index / Config.ViewsPerScene), Config.Scene);
        var rng = new SceneRandom(scene.Seed, 1000 + index % Config.ViewsPerScene);
        return Renderer.Render(scene, CameraPaths.RandomPose(scene, intrinsics, rng), Config.Spp, parallel: false);
    }

    /// <summary>Pair number <paramref name="index"/> of this stream, rendered on the calling thread.</summary>
    public ViewPair RenderPair(long index)
    {
        var scene = SceneGenerator.Generate(SceneSeed(Config.Split, Config.Seed, index), Config.Scene);
        (Camera Source, Camera Target, double Covisibility)? poses = null;
        for (int attempt = 0; attempt < 8 && poses is null; attempt++)
            poses = PairSampler.SamplePoses(scene, intrinsics, new SceneRandom(scene.Seed, 5000 + attempt), Config.MinCovisibility, Config.MaxCovisibility);
        // A room too cramped for the range: accept any nearby pair rather than stall training.
        poses ??= PairSampler.SamplePoses(scene, intrinsics, new SceneRandom(scene.Seed, 4999), 0, 1)!;
        var (s, t, _) = poses.Value;
        var source = Renderer.Render(scene, s, Config.Spp, parallel: false);
        var target = Renderer.Render(scene, t, Config.Spp, parallel: false);
        return new ViewPair(source, target, Covisibility.Compute(source, target));
    }

    /// <summary>The next view of the stream (waits only if rendering is behind).</summary>
    public RenderedView NextView() => Next(views, ref nextView, RenderView);

    /// <summary>The next source/target pair of the stream.</summary>
    public ViewPair NextPair() => Next(pairs, ref nextPair, RenderPair);

    /// <summary>A batch of <paramref name="n"/> fresh views: float32 [n, 3, H, W] in [-1, 1].</summary>
    public Tensor NextBatch(int n)
    {
        if (n < 1) throw new ArgumentException($"batch size must be at least 1, got {n}");
        var plane = 3 * Config.Width * Config.Height;
        var data = new float[n * plane];
        for (int i = 0; i < n; i++) NextView().WriteChw(data.AsSpan(i * plane, plane));
        return tensor(data, [n, 3, Config.Height, Config.Width]);
    }

    /// <summary>Endless views.</summary>
    public IEnumerable<RenderedView> Views()
    {
        while (true) yield return NextView();
    }

    /// <summary>Endless pairs.</summary>
    public IEnumerable<ViewPair> Pairs()
    {
        while (true) yield return NextPair();
    }

    T Next<T>(Queue<Task<T>> queue, ref long counter, Func<long, T> render)
    {
        Task<T> head;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            // Keep the queue full: items render on pool threads while the consumer works.
            while (queue.Count < prefetch + 1)
            {
                var index = counter++;
                queue.Enqueue(Task.Run(() => render(index)));
            }
            head = queue.Dequeue();
        }
        return head.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Task[] pending;
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            pending = [.. views, .. pairs];
            views.Clear();
            pairs.Clear();
        }
        try { Task.WaitAll(pending); }
        catch (AggregateException) { }
    }
}
