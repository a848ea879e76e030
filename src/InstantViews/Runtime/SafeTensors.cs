using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace InstantViews.Runtime;

/// <summary>
/// The safetensors container (8-byte header length, JSON header, raw little-endian data) with its
/// <c>__metadata__</c> string map, which checkpoints use for their self-describing header.
/// </summary>
public static class SafeTensors
{
    static readonly Dictionary<ScalarType, string> DtypeNames = new()
    {
        [ScalarType.Float32] = "F32",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    /// <summary>Writes tensors and metadata to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        var blobs = new List<byte[]>();
        foreach (var (name, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            if (!DtypeNames.TryGetValue(cpu.dtype, out var dt))
                throw new ArgumentException($"tensor '{name}' has dtype {cpu.dtype}, which safetensors cannot store");
            var bytes = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = dt,
                ["shape"] = new JsonArray(cpu.shape.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        stream.Write(len);
        stream.Write(json);
        for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var b in blobs) stream.Write(b);
    }

    static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>Reads every tensor (in file order) and the metadata; errors name the file and the problem.</summary>
    public static (List<KeyValuePair<string, Tensor>> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var data = File.ReadAllBytes(path);
        if (data.Length < 8) throw new UserError($"'{path}': not a safetensors file (only {data.Length} bytes)");
        var headerLen = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLen == 0 || headerLen > (ulong)(data.Length - 8) || data[8] != (byte)'{')
            throw new UserError(headerLen > (ulong)(data.Length - 8) && data.Length > 8 && data[8] == (byte)'{'
                ? $"'{path}': truncated safetensors file (header needs {headerLen} bytes, file has {data.Length - 8})"
                : $"'{path}': not a safetensors file (no JSON header)");
        JsonObject header;
        try { header = JsonNode.Parse(Encoding.UTF8.GetString(data, 8, (int)headerLen))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException) { throw new UserError($"'{path}': not a safetensors file (header is not valid JSON)"); }
        var bodyStart = 8 + (long)headerLen;
        var meta = new Dictionary<string, string>();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                try { foreach (var (k, v) in node!.AsObject()) meta[k] = v!.GetValue<string>(); }
                catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
                {
                    throw new UserError($"'{path}': __metadata__ must map names to strings");
                }
                continue;
            }
            string dtName;
            long[] shape, offs;
            try
            {
                var entry = node!.AsObject();
                dtName = entry["dtype"]?.GetValue<string>() ?? throw new UserError($"'{path}': tensor '{name}' has no dtype");
                shape = (entry["shape"] ?? throw new UserError($"'{path}': tensor '{name}' has no shape")).AsArray().Select(x => x!.GetValue<long>()).ToArray();
                offs = (entry["data_offsets"] ?? throw new UserError($"'{path}': tensor '{name}' has no data_offsets")).AsArray().Select(x => x!.GetValue<long>()).ToArray();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or JsonException)
            {
                throw new UserError($"'{path}': tensor '{name}' has a malformed entry (dtype, shape, data_offsets expected)");
            }
            var dtype = DtypeNames.FirstOrDefault(p => p.Value == dtName).Key;
            if (!DtypeNames.ContainsValue(dtName)) throw new UserError($"'{path}': tensor '{name}' has unsupported dtype {dtName}");
            if (offs.Length != 2 || offs[0] < 0 || offs[1] < offs[0] || shape.Any(d => d < 0))
                throw new UserError($"'{path}': tensor '{name}' has invalid shape [{string.Join(",", shape)}] or offsets [{string.Join(",", offs)}]");
            if (bodyStart + offs[1] > data.Length)
                throw new UserError($"'{path}': truncated safetensors file (tensor '{name}' ends at byte {bodyStart + offs[1]}, file has {data.Length})");
            // The byte count is checked against the file before anything is allocated.
            var elements = shape.Aggregate(1.0, (a, b) => a * b);
            if (elements * ElementSize(dtype) != offs[1] - offs[0])
                throw new UserError($"'{path}': tensor '{name}' has {offs[1] - offs[0]} bytes, shape [{string.Join(",", shape)}] needs {elements * ElementSize(dtype):0}");
            var t = empty(shape, dtype);
            t.bytes = data.AsSpan((int)(bodyStart + offs[0]), (int)(offs[1] - offs[0]));
            tensors.Add(new(name, t));
        }
        return (tensors, meta);
    }
}
