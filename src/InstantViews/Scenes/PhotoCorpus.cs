using System.Security.Cryptography;
using InstantViews.Runtime;
using SkiaSharp;

namespace InstantViews.Scenes;

/// <summary>
/// The real-photo corpus that scripts/realphotos builds (photos/, licences/, manifest.tsv), loaded as textures at
/// most <c>maxSide</c> pixels on their long side. Every file's SHA-256 is checked against the manifest, and a
/// photo whose name or hash is one of the stereo benchmark's evaluation photos is refused, so no evaluation
/// photo can enter training.
/// </summary>
public sealed class PhotoCorpus
{
    public IReadOnlyList<PhotoImage> Photos { get; }
    public string Folder { get; }

    /// <summary>
    /// The identity of the photos loaded: SHA-256 (hex) of their names and SHA-256 hashes, one "name TAB hash" line each
    /// in manifest order. Pairs drawn from a corpus record it, so another corpus or split is refused by name.
    /// </summary>
    public string Hash { get; }

    PhotoCorpus(string folder, IReadOnlyList<PhotoImage> photos, string hash)
    {
        Folder = folder;
        Photos = photos;
        Hash = hash;
    }

    /// <summary>The evaluation photos (datasets/evaluation-photos.tsv, embedded): names and SHA-256 hashes.</summary>
    public static IReadOnlyList<(string Pair, string Name, string Sha256)> EvaluationPhotos { get; } = ReadEvaluationPhotos();

    static List<(string, string, string)> ReadEvaluationPhotos()
    {
        using var stream = typeof(PhotoCorpus).Assembly.GetManifestResourceStream("InstantViews.evaluation-photos.tsv")
            ?? throw new InvalidOperationException("the evaluation photo list is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split('\t')).Select(f => (f[0], f[1], f[2]))];
    }

    /// <summary>Why a photo may not be used for training (an evaluation photo's name or hash), or null if it may.</summary>
    public static string? Refusal(string fileName, string sha256)
    {
        foreach (var (pair, name, hash) in EvaluationPhotos)
        {
            if (string.Equals(hash, sha256, StringComparison.OrdinalIgnoreCase)) return $"it is evaluation photo {name} of pair '{pair}'";
            if (string.Equals(Path.GetFileName(fileName), name, StringComparison.OrdinalIgnoreCase)) return $"it is named like evaluation photo {name} of pair '{pair}'";
        }
        return null;
    }

    /// <summary>Whether a photo with this SHA-256 (hex) is held out for validation (<see cref="PhotoSplit"/>).</summary>
    public static bool IsValidation(string sha256) => Convert.ToInt32(sha256[..2], 16) < 0x33;

    /// <summary>
    /// The photos of <paramref name="folder"/>'s manifest in <paramref name="split"/> (chosen by the hash the manifest
    /// lists, which every file is then checked against), at most <paramref name="maxSide"/> pixels on the long side.
    /// </summary>
    public static PhotoCorpus Load(string folder, int maxSide = 768, PhotoSplit split = PhotoSplit.All)
    {
        var manifest = Path.Combine(folder, "manifest.tsv");
        if (!File.Exists(manifest)) throw new UserError($"'{folder}': no manifest.tsv; build the photo corpus with scripts/realphotos {folder}");
        var rows = File.ReadAllLines(manifest).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        if (rows.Count == 0) throw new UserError($"'{manifest}': lists no photos");
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length < 5) throw new UserError($"'{manifest}': line {i + 2} has {rows[i].Length} fields, expected file, package, version, path, sha256");
            if (rows[i][4].Length != 64 || !rows[i][4].All(Uri.IsHexDigit)) throw new UserError($"'{manifest}': line {i + 2}: '{rows[i][4]}' is not a SHA-256 (64 hex digits)");
        }
        if (split != PhotoSplit.All) rows = rows.Where(f => IsValidation(f[4]) == (split == PhotoSplit.Validation)).ToList();
        if (rows.Count == 0) throw new UserError($"'{manifest}': no photo falls in the {split.ToString().ToLowerInvariant()} split");
        var photos = new PhotoImage[rows.Count];
        try { Parallel.For(0, rows.Count, i => photos[i] = LoadOne(folder, rows[i], maxSide)); }
        catch (AggregateException e) when (e.InnerExceptions[0] is UserError first)
        {
            // The first photo's problem, as one line, not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
        var identity = string.Join("\n", rows.Select(f => $"{f[0]}\t{f[4]}"));
        return new PhotoCorpus(folder, photos, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity))));
    }

    /// <summary>Manifest row <paramref name="f"/>: the file checked against its hash and the evaluation photos, then decoded.</summary>
    static PhotoImage LoadOne(string folder, string[] f, int maxSide)
    {
        var path = Path.Combine(folder, "photos", f[0]);
        if (!File.Exists(path)) throw new UserError($"'{path}': listed in the manifest but missing; rebuild the corpus");
        var bytes = File.ReadAllBytes(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (hash != f[4]) throw new UserError($"'{path}': SHA-256 {hash} differs from the manifest's {f[4]}");
        if (Refusal(f[0], hash) is { } why) throw new UserError($"'{path}': refused for training: {why}");
        return Decode(bytes, f[0], maxSide);
    }

    /// <summary>Decodes a JPEG/PNG at the smallest decoder scale that keeps its long side >= maxSide, then resizes to maxSide.</summary>
    public static PhotoImage Decode(byte[] bytes, string name, int maxSide)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new UserError($"'{name}': not a readable image");
        var full = codec.Info;
        var scale = Math.Min(1f, (float)maxSide / Math.Max(full.Width, full.Height));
        var decodeSize = codec.GetScaledDimensions(Math.Max(scale, 0.125f));
        if (Math.Max(decodeSize.Width, decodeSize.Height) < maxSide) decodeSize = full.Size;
        using var decoded = new SKBitmap(new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput)) throw new UserError($"'{name}': could not decode ({result})");
        int w = Math.Max(2, (int)Math.Round(full.Width * scale)), h = Math.Max(2, (int)Math.Round(full.Height * scale));
        using var resized = decoded.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        var px = resized.GetPixelSpan();
        var rgb = new float[3 * w * h];
        for (int i = 0; i < w * h; i++)
        {
            rgb[3 * i] = px[4 * i] / 255f;
            rgb[3 * i + 1] = px[4 * i + 1] / 255f;
            rgb[3 * i + 2] = px[4 * i + 2] / 255f;
        }
        return new PhotoImage(name, rgb, w, h);
    }
}
