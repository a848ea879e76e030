using System.Globalization;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>
/// One-step GenWarp's (condition, z) pairs: for pair index i of the stream in <see cref="Config"/>, z_i is the real
/// target view inverted along the teacher's PF-ODE conditioned on that pair's source and warp. Stored as
/// safetensors chunks ("index" int64 [N], "z" float32 [N,3,r,r]; settings in the metadata), sharded and resumable
/// like PaGoDA's pairs.
/// </summary>
public sealed class NovelViewPairSet
{
    const string MetaKey = "genwarp_pairs";
    public Tensor Index { get; }
    public Tensor Z { get; }
    public NovelViewPairsConfig Config { get; }
    public double RoundTripPsnr { get; }
    public int Count => (int)Index.shape[0];

    public NovelViewPairSet(Tensor index, Tensor z, NovelViewPairsConfig config, double roundTripPsnr = double.NaN)
    {
        if (index.shape[0] != z.shape[0]) throw new ArgumentException($"pair count differs: {index.shape[0]} indices, {z.shape[0]} noises");
        (Index, Z, Config, RoundTripPsnr) = (index, z, config, roundTripPsnr);
    }

    /// <summary>Stream indices of the pairs at positions <paramref name="positions"/>.</summary>
    public long[] Indices(Tensor positions) => Index.index_select(0, positions).data<long>().ToArray();

    public void Save(string path) => Checkpoint.WriteAtomic(path, [new("index", Index), new("z", Z)], new Dictionary<string, string>
    {
        [MetaKey] = JsonSerializer.Serialize(Config, Json.Options),
        ["round_trip_psnr"] = RoundTripPsnr.ToString("R", CultureInfo.InvariantCulture),
    });

    /// <summary>Reads one pairs file, or every chunk under a folder (all shards) in index order.</summary>
    public static NovelViewPairSet Load(string path)
    {
        if (File.Exists(path)) return LoadFile(path);
        if (!Directory.Exists(path)) throw new UserError($"'{path}': no such pairs file or folder");
        var parts = PairBuilder.ChunkFiles([path]).Select(LoadFile).ToList();
        return Concat(parts, path);
    }

    static NovelViewPairSet Concat(IReadOnlyList<NovelViewPairSet> parts, string source)
    {
        var config = parts[0].Config;
        if (parts.Any(p => p.Config != config)) throw new UserError($"'{source}': the pair chunks were made with different settings");
        var psnr = parts.Select(p => p.RoundTripPsnr).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        return new NovelViewPairSet(cat(parts.Select(p => p.Index).ToArray()), cat(parts.Select(p => p.Z).ToArray()), config, psnr);
    }

    static NovelViewPairSet LoadFile(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        if (!meta.TryGetValue(MetaKey, out var json)) throw new UserError($"'{path}': not a GenWarp pairs file");
        var d = tensors.ToDictionary(p => p.Key, p => p.Value);
        if (!d.ContainsKey("index") || !d.ContainsKey("z")) throw new UserError($"'{path}': a GenWarp pairs file needs tensors 'index' and 'z'");
        var config = JsonSerializer.Deserialize<NovelViewPairsConfig>(json, Json.Options) ?? throw new UserError($"'{path}': empty pairs settings");
        var psnr = meta.TryGetValue("round_trip_psnr", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : double.NaN;
        return new NovelViewPairSet(d["index"], d["z"], config, psnr);
    }

    /// <summary>Merges every chunk under the given folders (shards) into one file, in chunk order: the same pairs in the same order as one process.</summary>
    public static NovelViewPairSet Merge(IEnumerable<string> folders, string outFile)
    {
        var merged = Concat(PairBuilder.ChunkFiles(folders).Select(LoadFile).ToList(), string.Join(", ", folders));
        merged.Save(outFile);
        return merged;
    }

    /// <summary>
    /// Builds pairs 0..Count-1 (this shard's chunks) into <paramref name="outDir"/>, whose pairs.json must hold the same
    /// settings or none (<see cref="Claim"/>): makes each pair (rendered, or warped back from a photo) at the teacher's
    /// resolution as inference makes its inputs, warps by the configured depth, and inverts the
    /// real target with the teacher's (guided, when Guidance != 1) conditional denoiser, clamped to [-1, 1]; the
    /// first chunk of each shard also samples back and records the round-trip PSNR.
    /// </summary>
    public static IReadOnlyList<string> Build(GenWarpModel teacher, INovelViewPairSource data, NovelViewPairsConfig config, PairsConfig chunks, string outDir, Device? device = null)
    {
        // One grid point would invert nothing: the noise would be the image itself.
        if (config.Steps < 2) throw new UserError($"inversion grid points must be at least 2, got {config.Steps}");
        var run = new NovelViewPairsRun { Teacher = Checkpoint.WeightsHash(teacher), Count = chunks.Count, Chunk = chunks.ChunkSize, Config = config };
        teacher.eval();
        return PairBuilder.BuildChunks(chunks, outDir, "genwarp pairs", (path, start, n, check) =>
        {
            using var noGrad = no_grad();
            var batch = data.Batch([.. Enumerable.Range(0, n).Select(k => start + (long)k)], config.Resolution, device);
            var denoiser = teacher.Denoiser(batch, config.Guidance);
            double psnr = double.NaN;
            Tensor z;
            if (check)
            {
                var trip = Inversion.Check(denoiser, batch.Target!, config.Steps, clamp: true, sigmaMax: config.SigmaMax);
                (z, psnr) = (trip.Noise, trip.Psnr);
            }
            else z = Inversion.Invert(denoiser, batch.Target!, config.Steps, clamp: true, sigmaMax: config.SigmaMax).X;
            new NovelViewPairSet(arange(start, start + n, dtype: ScalarType.Int64), z.cpu(), config, psnr).Save(path);
            return psnr;
        }, () => Claim(outDir, run));
    }

    /// <summary>The settings file of a pairs folder.</summary>
    public const string SettingsFile = "pairs.json";

    /// <summary>
    /// Makes <paramref name="outDir"/> the folder of <paramref name="run"/>: records its settings in pairs.json when the
    /// folder has none, resumes when they are equal, and refuses (naming every differing setting with both values)
    /// when they differ, or when the folder holds chunks without a pairs.json (their settings cannot be checked).
    /// </summary>
    public static void Claim(string outDir, NovelViewPairsRun run)
    {
        var path = Path.Combine(outDir, SettingsFile);
        // Chunks first: a concurrent shard writes pairs.json before its first chunk, so chunks seen here imply its pairs.json.
        var hasChunks = Directory.Exists(outDir) && Directory.EnumerateFiles(outDir, "chunk-*.safetensors").Any();
        if (File.Exists(path))
        {
            NovelViewPairsRun? there;
            try { there = JsonSerializer.Deserialize<NovelViewPairsRun>(File.ReadAllText(path), Json.Options); }
            catch (JsonException e) { throw new UserError($"'{path}': invalid JSON ({e.Message.Split('\n')[0]})"); }
            if (there is null) throw new UserError($"'{path}': empty pairs settings");
            var differences = there.Differences(run);
            if (differences.Length > 0)
                throw new UserError($"'{outDir}': its pairs were made with other settings ({SettingsFile}): {differences}; run with the same settings to resume, or choose another --out");
            return;
        }
        if (hasChunks)
            throw new UserError($"'{outDir}': holds pair chunks but no {SettingsFile} (an older version's folder), so its settings cannot be checked; choose another --out");
        AtomicFile.WriteText(path, JsonSerializer.Serialize(run, Json.Options));
    }
}
