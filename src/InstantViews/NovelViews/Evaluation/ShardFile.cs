using System.Text.Json;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// The file a shard of `genwarp eval` writes (shard-i-of-n.safetensors): per method, range and depth source, the batch
/// indices, the pairs per batch, the nine paired metrics per pair (float64) and the generated and real views' features;
/// the metadata lists the parts in evaluation order and every setting the scores depend on (the content hashes of the
/// models, sampling, pairs, seed), which <see cref="ReadAll"/> requires to be the same in every shard.
/// </summary>
static class ShardFile
{
    sealed record PartInfo(string Depth, string Range, int Pairs, string Method, int Nfe, long Parameters);
    // Batch: pairs per batch of the run (0 in files written before it was stored: then the largest batch seen).
    // Settings: option name -> value of every setting the scores depend on (null in files written before they were stored).
    sealed record Header(int Index, int Count, List<PartInfo> Parts, List<string> Notes, int Batch = 0, Dictionary<string, string>? Settings = null);

    /// <summary>The name of shard <paramref name="shard"/>'s file.</summary>
    public static string FileName(Shard shard) => $"shard-{shard.Index}-of-{shard.Count}.safetensors";

    /// <summary>
    /// Removes what an earlier, killed write of this shard left in <paramref name="dir"/>: temporary files of processes
    /// that are gone, and the fixed-name temporary file older versions wrote.
    /// </summary>
    public static void RemoveLeftovers(string dir, Shard shard)
    {
        Imaging.AtomicFile.RemoveStale(dir);
        var legacy = Path.Combine(dir, FileName(shard) + ".tmp");
        if (File.Exists(legacy)) File.Delete(legacy);
    }

    public static string Write(string dir, Shard shard, int batch, IReadOnlyDictionary<string, string> settings, IReadOnlyList<ShardPart> parts, IReadOnlyList<string> notes)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int p = 0; p < parts.Count; p++)
        {
            var batches = parts[p].Batches;
            if (batches.Count == 0) continue;
            tensors.Add(new($"{p}/batches", tensor(batches.Select(b => (long)b.Index).ToArray())));
            tensors.Add(new($"{p}/sizes", tensor(batches.Select(b => (long)b.Scores.PerPair.Count).ToArray())));
            var scores = batches.SelectMany(b => b.Scores.PerPair).ToList();
            tensors.Add(new($"{p}/scores", tensor(scores.SelectMany(r => r).ToArray(), [scores.Count, scores[0].Length])));
            tensors.Add(new($"{p}/fake", cat(batches.Select(b => b.Scores.Fake).ToList())));
            tensors.Add(new($"{p}/real", cat(batches.Select(b => b.Scores.Real).ToList())));
        }
        var header = new Header(shard.Index, shard.Count, parts.Select(x => new PartInfo(x.Depth, x.Range, x.Pairs, x.Method, x.Nfe, x.Parameters)).ToList(), [.. notes], batch,
            new Dictionary<string, string>(settings));
        var path = Path.Combine(dir, FileName(shard));
        try { Checkpoint.WriteAtomic(path, tensors, new Dictionary<string, string> { ["genwarp-eval-shard"] = JsonSerializer.Serialize(header) }); }
        finally { foreach (var (_, t) in tensors) t.Dispose(); }
        return path;
    }

    /// <summary>Every part of every shard in <paramref name="dir"/>, shard 0 first, and the run's pairs per batch; checks that the shards are one complete run.</summary>
    public static (List<ShardPart> Parts, List<string> Notes, int Batch) ReadAll(string dir)
    {
        if (!Directory.Exists(dir)) throw new UserError($"'{dir}': no such folder");
        var files = Directory.GetFiles(dir, "shard-*-of-*.safetensors");
        if (files.Length == 0) throw new UserError($"'{dir}': no shard files (shard-i-of-n.safetensors); run genwarp eval --shard first");
        var read = files.Select(f =>
        {
            var (tensors, meta) = SafeTensors.Read(f);
            if (!meta.TryGetValue("genwarp-eval-shard", out var json)) throw new UserError($"'{f}': not a genwarp eval shard file");
            return (File: f, Header: JsonSerializer.Deserialize<Header>(json)!, Tensors: tensors.ToDictionary(kv => kv.Key, kv => kv.Value));
        }).OrderBy(r => r.Header.Index).ToList();
        var count = read[0].Header.Count;
        if (read.Any(r => r.Header.Count != count) || read.Count != count || read.Select((r, i) => r.Header.Index != i).Any(x => x))
            throw new UserError($"'{dir}': shards [{string.Join(", ", read.Select(r => $"{r.Header.Index}/{r.Header.Count}"))}] are not one complete run of {count}");
        if (read.Any(r => JsonSerializer.Serialize(r.Header.Parts.Select(p => p with { Nfe = 0 })) != JsonSerializer.Serialize(read[0].Header.Parts.Select(p => p with { Nfe = 0 }))))
            throw new UserError($"'{dir}': the shards evaluated different methods, ranges or pairs (not one run)");
        if (read.Any(r => r.Header.Batch != read[0].Header.Batch))
            throw new UserError($"'{dir}': the shards used different batch sizes ({string.Join(", ", read.Select(r => r.Header.Batch).Distinct())}; not one run)");
        var names = read.SelectMany(r => r.Header.Settings?.Keys ?? Enumerable.Empty<string>()).Distinct().ToList();
        foreach (var name in names)
        {
            string Value(Header h) => h.Settings is { } d && d.TryGetValue(name, out var v) ? v : "(not recorded)";
            var first = Value(read[0].Header);
            var other = read.FindIndex(r => Value(r.Header) != first);
            if (other >= 0)
                throw new UserError($"'{dir}': the shards were made with different settings: {name} {Shown(first)} in {Path.GetFileName(read[0].File)}, " +
                                    $"{Shown(Value(read[other].Header))} in {Path.GetFileName(read[other].File)} (not one run)");
        }
        var parts = new List<ShardPart>();
        foreach (var r in read)
            for (int p = 0; p < r.Header.Parts.Count; p++)
            {
                var info = r.Header.Parts[p];
                var batches = new List<(int, BatchScores)>();
                if (r.Tensors.TryGetValue($"{p}/batches", out var indices))
                {
                    var sizes = r.Tensors[$"{p}/sizes"].data<long>().ToArray();
                    var scores = r.Tensors[$"{p}/scores"];
                    var columns = (int)scores.shape[1];
                    var values = scores.data<double>().ToArray();
                    var (fake, real) = (r.Tensors[$"{p}/fake"], r.Tensors[$"{p}/real"]);
                    long offset = 0;
                    var ids = indices.data<long>().ToArray();
                    for (int b = 0; b < ids.Length; b++)
                    {
                        var rows = Enumerable.Range(0, (int)sizes[b]).Select(i => values.AsSpan((int)(offset + i) * columns, columns).ToArray()).ToList();
                        batches.Add(((int)ids[b], new BatchScores(rows, fake.narrow(0, offset, sizes[b]).clone(), real.narrow(0, offset, sizes[b]).clone(), null)));
                        offset += sizes[b];
                    }
                }
                parts.Add(new ShardPart(info.Depth, info.Range, info.Pairs, info.Method, info.Nfe, info.Parameters, batches));
            }
        foreach (var r in read)
            foreach (var t in r.Tensors.Values) t.Dispose();
        var batch = read[0].Header.Batch > 0 ? read[0].Header.Batch : parts.SelectMany(p => p.Batches).Select(b => b.Scores.PerPair.Count).DefaultIfEmpty(1).Max();
        return (parts, read[0].Header.Notes, batch);
    }

    // A content hash is shown by its first 16 hex digits (enough to tell files apart in one line).
    static string Shown(string value) => value.StartsWith("sha256:", StringComparison.Ordinal) && value.Length > 23 ? value[..23] : value;
}
