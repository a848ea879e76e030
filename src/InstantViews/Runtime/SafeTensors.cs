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

    /// <summary>
    /// The bytes of a regular file, refusing anything else before opening it: a folder, or a device, pipe or socket
    /// (which report no size, and from which /dev/zero or /dev/urandom would be read until memory runs out). .NET does
    /// not expose the file type, so a file whose size is 0 is refused as one of those (or as empty); a regular file is
    /// read for its stated size and no further.
    /// </summary>
    static byte[] ReadRegularFile(string path)
    {
        if (Directory.Exists(path)) throw new UserError($"'{path}': a folder, not a file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new UserError($"'{path}': file not found");
        if (info.Length == 0) throw new UserError($"'{path}': empty, or not a regular file (a device, pipe or socket)");
        if (info.Length > Array.MaxLength) throw new UserError($"'{path}': {info.Length / 1e9:0.0} GB, larger than one file can be read here");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var data = new byte[info.Length];
        fs.ReadExactly(data);
        return data;
    }

    /// <summary>
    /// Refuses a header that names something twice (a tensor, or a field of one): JSON readers differ on which one
    /// wins, so such a file has no single meaning.
    /// </summary>
    static void RefuseDuplicateNames(string path, string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            if (!names.Add(entry.Name))
                throw new UserError(entry.Name == "__metadata__"
                    ? $"'{path}': the safetensors header has two '__metadata__' entries"
                    : $"'{path}': tensor '{entry.Name}' is stored twice (a duplicate name in the safetensors header)");
            if (entry.Value.ValueKind != JsonValueKind.Object) continue;
            var fields = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in entry.Value.EnumerateObject())
                if (!fields.Add(field.Name))
                    throw new UserError($"'{path}': '{field.Name}' appears twice in the header entry '{entry.Name}'");
        }
    }

    /// <summary>Reads every tensor (in file order) and the metadata; errors name the file and the problem.</summary>
    public static (List<KeyValuePair<string, Tensor>> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        var data = ReadRegularFile(path);
        if (data.Length < 8) throw new UserError($"'{path}': not a safetensors file (only {data.Length} bytes)");
        var headerLen = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLen == 0 || headerLen > (ulong)(data.Length - 8) || data[8] != (byte)'{')
            throw new UserError(headerLen > (ulong)(data.Length - 8) && data.Length > 8 && data[8] == (byte)'{'
                ? $"'{path}': truncated safetensors file (header needs {headerLen} bytes, file has {data.Length - 8})"
                : $"'{path}': not a safetensors file (no JSON header)");
        JsonObject header;
        try
        {
            var text = Encoding.UTF8.GetString(data, 8, (int)headerLen);
            RefuseDuplicateNames(path, text);
            header = JsonNode.Parse(text)!.AsObject();
        }
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
