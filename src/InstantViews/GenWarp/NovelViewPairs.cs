using System.Globalization;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Which scene pairs a one-step GenWarp learns from and how their noise was found: the pair stream (split, seed,
/// resolution, covisibility), the source depth ("gt" or a depth source such as "builtin"), and the teacher's
/// inversion (guidance scale of the inverted field, Heun grid points, sigma_max). Pair i of the stream is a pure
/// function of these settings and i, so a pair record stores its index, never a copy of its images.
/// </summary>
public sealed record NovelViewPairsConfig
{
    public int Resolution { get; init; } = 32;
    public int Spp { get; init; } = 2;
    public SceneSplit Split { get; init; } = SceneSplit.Train;
    public long Seed { get; init; }
    public double MinCovisibility { get; init; } = 0.2;
    public double MaxCovisibility { get; init; } = 0.95;
    public string Depth { get; init; } = "builtin";
    /// <summary>The guidance scale of the inverted probability-flow field (1 = the conditional denoiser alone).</summary>
    public double Guidance { get; init; } = 1;
    public int Steps { get; init; } = 18;
    public double SigmaMax { get; init; } = 40;

    public SceneStreamConfig Stream(int? resolution = null) =>
        new(resolution ?? Resolution, resolution ?? Resolution, Spp, Split, Seed, MinCovisibility: MinCovisibility, MaxCovisibility: MaxCovisibility);
}

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
    /// Builds pairs 0..Count-1 (this shard's chunks): renders each pair, warps by the configured depth, and inverts the
    /// real target with the teacher's (guided, when Guidance != 1) conditional denoiser, clamped to [-1, 1]; the
    /// first chunk of each shard also samples back and records the round-trip PSNR.
    /// </summary>
    public static IReadOnlyList<string> Build(GenWarpModel teacher, ScenePairs data, NovelViewPairsConfig config, PairsConfig chunks, string outDir, Device? device = null)
    {
        teacher.eval();
        return PairBuilder.BuildChunks(chunks, outDir, "genwarp pairs", (path, start, n, check) =>
        {
            using var noGrad = no_grad();
            var batch = data.Batch(data.Render(start, n), device);
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
        });
    }
}
