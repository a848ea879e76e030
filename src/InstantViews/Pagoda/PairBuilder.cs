using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>Settings of a pairs run. Item i of the data is a pure function of i, so shards split by chunk index.</summary>
public sealed record PairsConfig
{
    public int Count { get; init; } = 1024;
    public int ChunkSize { get; init; } = 64;
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    public int Steps { get; init; } = 40;
    public bool Flip { get; init; }
    /// <summary>Measure the invert-then-sample PSNR on the first chunk of each shard (costs one more solve).</summary>
    public bool CheckRoundTrip { get; init; } = true;
}

/// <summary>
/// Stage 1.5: for every high-resolution image x, z_x = Inv(Down_r(x)) with the teacher (reverse Heun on the
/// 40-point grid, denoiser clamped to [-1, 1]); optionally also the horizontally flipped pair. Writes one
/// chunk file per <see cref="PairsConfig.ChunkSize"/> items; existing chunks are skipped (resume).
/// </summary>
public static class PairBuilder
{
    /// <summary>Item source: images [n,3,H,W] in [-1,1] for items start..start+n-1, at the final resolution.</summary>
    public delegate Tensor ItemSource(long start, int count);

    public static IReadOnlyList<string> Build(UNet teacher, double sigmaMax, ItemSource items, PairsConfig cfg, string outDir, Device? device = null)
    {
        teacher.eval();
        return Build(new EdmDenoiser(teacher), teacher.Cfg.Resolution, sigmaMax, items, cfg, outDir, device);
    }

    /// <summary>The same with any denoiser at a base resolution (tests use closed-form denoisers).</summary>
    public static IReadOnlyList<string> Build(IDenoiser den, int baseResolution, double sigmaMax, ItemSource items, PairsConfig cfg, string outDir, Device? device = null) =>
        BuildChunks(cfg, outDir, "pairs", (path, start, n, first) =>
        {
            using var noGrad = no_grad();
            var x = items(start, n);
            if (cfg.Flip) x = cat([x, x.flip(3)]);
            var factor = (int)(x.shape[2] / baseResolution);
            var low = Resize.Down(x, factor).to(device ?? CPU);
            double psnr = double.NaN;
            Tensor z;
            if (cfg.CheckRoundTrip && first)
            {
                var trip = Inversion.Check(den, low, cfg.Steps, clamp: true, sigmaMax: sigmaMax);
                z = trip.Noise;
                psnr = trip.Psnr;
            }
            else z = Inversion.Invert(den, low, cfg.Steps, clamp: true, sigmaMax: sigmaMax).X;
            new PairSet(PairSet.Quantise(x.cpu()), z.cpu(), psnr).Save(path);
            return psnr;
        });

    /// <summary>
    /// The pair files under <paramref name="paths"/> (files as given, folders searched for chunk-*.safetensors), chunks
    /// in chunk order across all shards, so that loading or merging them gives the items in one process's order.
    /// </summary>
    public static List<string> ChunkFiles(IEnumerable<string> paths)
    {
        var list = paths.ToList();
        var files = list.Where(File.Exists).Concat(list.Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "chunk-*.safetensors", SearchOption.AllDirectories))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)).ToList();
        if (files.Count == 0) throw new UserError($"'{string.Join(", ", list)}': no pairs (chunk-*.safetensors) found");
        return files;
    }

    /// <summary>Writes one chunk file of items start..start+count-1 to path; returns the round-trip PSNR it measured (NaN if none).</summary>
    public delegate double ChunkWriter(string path, long start, int count, bool firstOfShard);

    /// <summary>
    /// The sharded, resumable chunk loop every pairs builder shares: chunk k holds items k*ChunkSize...; shard i of n
    /// does the chunks with k mod n = i; chunks already on disk are skipped. Each chunk runs in its own dispose scope.
    /// </summary>
    public static IReadOnlyList<string> BuildChunks(PairsConfig cfg, string outDir, string name, ChunkWriter write, Action? claim = null)
    {
        if (cfg.ShardCount < 1 || cfg.ShardIndex < 0 || cfg.ShardIndex >= cfg.ShardCount)
            throw new UserError($"shard {cfg.ShardIndex}/{cfg.ShardCount}: need 0 <= i < n");
        if (cfg.Count < 1 || cfg.ChunkSize < 1) throw new UserError($"pair count and chunk size must be at least 1, got {cfg.Count} and {cfg.ChunkSize}");
        // The folder's own check of the run's settings (a pairs settings file), before anything is written.
        claim?.Invoke();
        Directory.CreateDirectory(outDir);
        AtomicFile.RemoveStale(outDir);
        var chunks = (cfg.Count + cfg.ChunkSize - 1) / cfg.ChunkSize;
        var mine = Enumerable.Range(0, chunks).Where(k => k % cfg.ShardCount == cfg.ShardIndex).ToList();
        var written = new List<string>();
        var firstChunk = true;
        using var progress = Progress.Start($"{name} shard {cfg.ShardIndex}/{cfg.ShardCount}", mine.Sum(k => Math.Min(cfg.ChunkSize, cfg.Count - k * cfg.ChunkSize)), "items");
        foreach (var k in mine)
        {
            var path = Path.Combine(outDir, $"chunk-{k:D5}.safetensors");
            var n = Math.Min(cfg.ChunkSize, cfg.Count - k * cfg.ChunkSize);
            if (File.Exists(path)) { progress.Advance(n, "skipped (done)"); written.Add(path); firstChunk = false; continue; }
            double psnr;
            using (NewDisposeScope()) psnr = write(path, (long)k * cfg.ChunkSize, n, firstChunk && cfg.CheckRoundTrip);
            written.Add(path);
            progress.Advance(n, double.IsNaN(psnr) ? null : $"round-trip PSNR {psnr:0.00} dB");
            firstChunk = false;
        }
        return written;
    }
}
