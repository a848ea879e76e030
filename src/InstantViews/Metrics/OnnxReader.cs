using Google.Protobuf;
using InstantViews.Runtime;

namespace InstantViews.Metrics;

/// <summary>An ONNX tensor: name, shape and values as float (float, double, int32 and int64 data are converted).</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[] Data);

/// <summary>One ONNX node attribute; only the kinds the ResNet graphs use are kept.</summary>
public sealed record OnnxAttribute(string Name, float F, long I, long[] Ints, float[] Floats, OnnxTensor? T);

public sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;
    public long[] Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : [];
}

/// <summary>The graph of an ONNX model: nodes in order, initialisers by name, input and output names.</summary>
public sealed record OnnxGraph(IReadOnlyList<OnnxNode> Nodes, IReadOnlyDictionary<string, OnnxTensor> Initializers, string[] Inputs, string[] Outputs);

/// <summary>
/// A minimal reader of the ONNX protobuf messages (onnx.proto field numbers), enough to take weights and
/// the layer layout from a model file without generated code.
/// </summary>
public static class OnnxReader
{
    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': ONNX model not found");
        var input = new CodedInputStream(File.ReadAllBytes(path));
        OnnxGraph? graph = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 7) graph = ReadGraph(input.ReadBytes());
            else input.SkipLastField();
        }
        return graph ?? throw new UserError($"'{path}': not an ONNX model (no graph)");
    }

    static OnnxGraph ReadGraph(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var nodes = new List<OnnxNode>();
        var inits = new Dictionary<string, OnnxTensor>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: nodes.Add(ReadNode(input.ReadBytes())); break;
                case 5: var t = ReadTensor(input.ReadBytes()); inits[t.Name] = t; break;
                case 11: inputs.Add(ReadValueInfoName(input.ReadBytes())); break;
                case 12: outputs.Add(ReadValueInfoName(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxGraph(nodes, inits, [.. inputs.Where(n => !inits.ContainsKey(n))], [.. outputs]);
    }

    static string ReadValueInfoName(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) return input.ReadString();
            input.SkipLastField();
        }
        return "";
    }

    static OnnxNode ReadNode(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var ins = new List<string>();
        var outs = new List<string>();
        var attrs = new Dictionary<string, OnnxAttribute>();
        string name = "", op = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ins.Add(input.ReadString()); break;
                case 2: outs.Add(input.ReadString()); break;
                case 3: name = input.ReadString(); break;
                case 4: op = input.ReadString(); break;
                case 5: var a = ReadAttribute(input.ReadBytes()); attrs[a.Name] = a; break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxNode(op, name, [.. ins], [.. outs], attrs);
    }

    static OnnxAttribute ReadAttribute(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string name = "";
        float f = 0;
        long i = 0;
        var ints = new List<long>();
        var floats = new List<float>();
        OnnxTensor? t = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 2: f = input.ReadFloat(); break;
                case 3: i = input.ReadInt64(); break;
                case 5: t = ReadTensor(input.ReadBytes()); break;
                case 7: ReadRepeated(input, tag, floats, s => s.ReadFloat()); break;
                case 8: ReadRepeated(input, tag, ints, s => s.ReadInt64()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxAttribute(name, f, i, [.. ints], [.. floats], t);
    }

    static OnnxTensor ReadTensor(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var dims = new List<long>();
        var floats = new List<float>();
        var ints = new List<long>();
        var doubles = new List<double>();
        string name = "";
        int type = 1;
        ByteString? raw = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadRepeated(input, tag, dims, s => s.ReadInt64()); break;
                case 2: type = input.ReadInt32(); break;
                case 4: ReadRepeated(input, tag, floats, s => s.ReadFloat()); break;
                case 5: ReadRepeated(input, tag, ints, s => s.ReadInt32()); break;
                case 7: ReadRepeated(input, tag, ints, s => s.ReadInt64()); break;
                case 8: name = input.ReadString(); break;
                case 9: raw = input.ReadBytes(); break;
                case 10: ReadRepeated(input, tag, doubles, s => s.ReadDouble()); break;
                default: input.SkipLastField(); break;
            }
        }
        float[] data;
        if (raw is not null)
        {
            var span = raw.Span;
            data = type switch
            {
                1 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span).ToArray(),
                11 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(span).ToArray().Select(v => (float)v)],
                7 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span).ToArray().Select(v => (float)v)],
                6 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span).ToArray().Select(v => (float)v)],
                _ => throw new UserError($"ONNX tensor '{name}': unsupported data type {type}"),
            };
        }
        else if (floats.Count > 0) data = [.. floats];
        else if (doubles.Count > 0) data = [.. doubles.Select(v => (float)v)];
        else data = [.. ints.Select(v => (float)v)];
        return new OnnxTensor(name, [.. dims], data);
    }

    // Repeated scalars arrive packed (length-delimited) or one per tag.
    static void ReadRepeated<T>(CodedInputStream input, uint tag, List<T> into, Func<CodedInputStream, T> read)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
        {
            into.Add(read(input));
            return;
        }
        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd) into.Add(read(packed));
    }
}
