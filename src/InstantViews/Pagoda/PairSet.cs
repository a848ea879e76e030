using System.Globalization;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>
/// PaGoDA's (data, noise) pairs: x, the high-resolution training images (uint8 [N,3,H,W]), and z_x, their
/// base-resolution PF-ODE inversions by the teacher (float32 [N,3,r,r]). Stored as safetensors chunks
/// ("chunk-00012.safetensors" holds items 12*ChunkSize...) so that work can be sharded, resumed and merged.
/// </summary>
public sealed class PairSet
{
    public Tensor X { get; }
    public Tensor Z { get; }
    public int Count => (int)X.shape[0];
    public int Resolution => (int)X.shape[2];
    public int BaseResolution => (int)Z.shape[2];
    public double RoundTripPsnr { get; }

    public PairSet(Tensor x, Tensor z, double roundTripPsnr = double.NaN)
    {
        if (x.shape[0] != z.shape[0]) throw new ArgumentException($"pair count differs: {x.shape[0]} images, {z.shape[0]} noises");
        X = x;
        Z = z;
        RoundTripPsnr = roundTripPsnr;
    }

    /// <summary>Images as float [-1, 1].</summary>
    public Tensor Images(Tensor index) => X.index_select(0, index).to_type(ScalarType.Float32).div(127.5).sub(1);

    public Tensor Noise(Tensor index) => Z.index_select(0, index);

    /// <summary>Converts images in [-1, 1] to the stored uint8 form.</summary>
    public static Tensor Quantise(Tensor images) => images.add(1).mul(127.5).round().clamp(0, 255).to_type(ScalarType.Byte);

    public void Save(string path) => Checkpoint.WriteAtomic(path, [new("x", X), new("z", Z)],
        new Dictionary<string, string> { ["pagoda_pairs"] = "1", ["round_trip_psnr"] = RoundTripPsnr.ToString("R", CultureInfo.InvariantCulture) });

    /// <summary>Reads one pairs file, or every chunk of a folder (all shards) in item order.</summary>
    public static PairSet Load(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*.safetensors", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).StartsWith("chunk-", StringComparison.Ordinal))
                .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                var merged = Path.Combine(path, "pairs.safetensors");
                if (File.Exists(merged)) return Load(merged);
                throw new UserError($"'{path}': no pairs (chunk-*.safetensors or pairs.safetensors) found");
            }
            var parts = files.Select(LoadFile).ToList();
            var psnr = parts.Select(p => p.RoundTripPsnr).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            return new PairSet(cat(parts.Select(p => p.X).ToArray()), cat(parts.Select(p => p.Z).ToArray()), psnr);
        }
        return LoadFile(path);
    }

    static PairSet LoadFile(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        if (!meta.ContainsKey("pagoda_pairs")) throw new UserError($"'{path}': not a PaGoDA pairs file");
        var d = tensors.ToDictionary(p => p.Key, p => p.Value);
        var psnr = meta.TryGetValue("round_trip_psnr", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : double.NaN;
        return new PairSet(d["x"], d["z"], psnr);
    }

    /// <summary>Merges every chunk under the given folders (shards) into one file, in chunk order: the same items in the same order as one process.</summary>
    public static PairSet Merge(IEnumerable<string> folders, string outFile)
    {
        var sets = PairBuilder.ChunkFiles(folders).Select(LoadFile).ToList();
        var merged = new PairSet(cat(sets.Select(s => s.X).ToArray()), cat(sets.Select(s => s.Z).ToArray()),
            sets.Select(s => s.RoundTripPsnr).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average());
        merged.Save(outFile);
        return merged;
    }
}
