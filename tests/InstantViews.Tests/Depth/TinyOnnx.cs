using System.Text;

namespace InstantViews.Tests.Depth;

/// <summary>
/// Writes tiny ONNX models by hand (protobuf wire format, no generator) with the signatures of the public depth
/// exports: <see cref="MeanModel"/> is image [1, 3, h, w] -> Conv 1x1 with weights a/3 and bias b -> [1, 1, h, w],
/// i.e. out = a * mean(channels) + b; <see cref="Model"/> names its input and output and gives their dims.
/// </summary>
static class TinyOnnx
{
    /// <summary>
    /// input [dims] -> Conv 1x1 (per-channel <paramref name="weights"/>, <paramref name="bias"/>) -> [1, 1, h, w], then
    /// Squeeze of axis 1 when the output has 3 dims ([1, h, w], as Depth Anything and MiDaS exports give). A dim is an
    /// int (fixed) or a string (named dynamic dim).
    /// </summary>
    public static byte[] Model(string input, object[] inputDims, string output, object[] outputDims, float[] weights, float bias)
    {
        var squeeze = outputDims.Length == 3;
        var convOut = squeeze ? "conv_out" : output;
        var nodes = new List<byte[]> { Bytes(1, Msg(Str(1, input), Str(1, "W"), Str(1, "B"), Str(2, convOut), Str(3, "conv"), Str(4, "Conv"))) };
        var inits = new List<byte[]> { Bytes(5, Tensor("W", [1, 3, 1, 1], weights)), Bytes(5, Tensor("B", [1], [bias])) };
        if (squeeze)
        {
            nodes.Add(Bytes(1, Msg(Str(1, convOut), Str(1, "axes"), Str(2, output), Str(3, "squeeze"), Str(4, "Squeeze"))));
            inits.Add(Bytes(5, Int64Tensor("axes", [1])));
        }
        return Graph(nodes, inits, ValueInfo(input, inputDims.Select(Dim).ToArray()), ValueInfo(output, outputDims.Select(Dim).ToArray()));
    }

    /// <summary>
    /// input [1, 3, h, w] -> SpaceToDepth(patch) -> ReduceMean over channels -> [1, h/patch, w/patch]: the mean of each
    /// patch x patch block over the 3 channels. ONNX Runtime refuses sides that are not multiples of the patch, as a
    /// ViT with 14-pixel patches (Depth Anything) does.
    /// </summary>
    public static byte[] PatchModel(string input, string output, int patch)
    {
        var s2d = Msg(Str(1, input), Str(2, "blocks"), Str(3, "s2d"), Str(4, "SpaceToDepth"), Bytes(5, Msg(Str(1, "blocksize"), Varint(3, (ulong)patch), Varint(20, 2))));
        var mean = Msg(Str(1, "blocks"), Str(2, output), Str(3, "mean"), Str(4, "ReduceMean"),
            Bytes(5, Msg(Str(1, "axes"), Varint(8, 1), Varint(20, 7))), Bytes(5, Msg(Str(1, "keepdims"), Varint(3, 0), Varint(20, 2))));
        return Graph([Bytes(1, s2d), Bytes(1, mean)], [], ValueInfo(input, Dim(1L), Dim(3L), Dim("h"), Dim("w")), ValueInfo(output, Dim(1L), Dim("ph"), Dim("pw")));
    }

    static byte[] Graph(List<byte[]> nodes, List<byte[]> initializers, byte[] input, byte[] output)
    {
        var graph = Msg([.. nodes, Str(2, "tiny-depth"), .. initializers, Bytes(11, input), Bytes(12, output)]);
        var opset = Msg(Str(1, ""), Varint(2, 13));
        return Msg(Varint(1, 7), Str(2, "instantviews-tests"), Bytes(7, graph), Bytes(8, opset));
    }

    static byte[] Dim(object d) => d switch { int i => Dim((long)i), long l => Dim(l), string s => Dim(s), _ => throw new ArgumentException($"dim {d}") };

    static byte[] Int64Tensor(string name, long[] values) =>
        Msg(Varint(1, (ulong)values.Length), Varint(2, 7), Str(8, name), Bytes(9, values.SelectMany(BitConverter.GetBytes).ToArray())); // INT64, raw_data

    public static byte[] MeanModel(float a, float b, int? height = null, int? width = null)
    {
        var weight = Tensor("W", [1, 3, 1, 1], [a / 3, a / 3, a / 3]);
        var bias = Tensor("B", [1], [b]);
        var node = Msg(Str(1, "image"), Str(1, "W"), Str(1, "B"), Str(2, "depth"), Str(3, "conv"), Str(4, "Conv"));
        var graph = Msg(Bytes(1, node), Str(2, "tiny-depth"), Bytes(5, weight), Bytes(5, bias),
            Bytes(11, ValueInfo("image", Dim(1), Dim(3), height is { } h ? Dim(h) : Dim("h"), width is { } w ? Dim(w) : Dim("w"))),
            Bytes(12, ValueInfo("depth", Dim(1), Dim(1), height is { } h2 ? Dim(h2) : Dim("h"), width is { } w2 ? Dim(w2) : Dim("w"))));
        var opset = Msg(Str(1, ""), Varint(2, 13));
        return Msg(Varint(1, 7), Str(2, "instantviews-tests"), Bytes(7, graph), Bytes(8, opset));
    }

    static byte[] Tensor(string name, long[] dims, float[] values)
    {
        var parts = dims.Select(d => Varint(1, (ulong)d)).ToList();
        parts.Add(Varint(2, 1)); // FLOAT
        parts.Add(Bytes(4, values.SelectMany(BitConverter.GetBytes).ToArray())); // packed float_data
        parts.Add(Str(8, name));
        return Msg([.. parts]);
    }

    static byte[] ValueInfo(string name, params byte[][] dims)
    {
        var shape = Msg(dims.Select(d => Bytes(1, d)).ToArray());
        var tensorType = Msg(Varint(1, 1), Bytes(2, shape));
        return Msg(Str(1, name), Bytes(2, Msg(Bytes(1, tensorType))));
    }

    static byte[] Dim(long value) => Varint(1, (ulong)value);
    static byte[] Dim(string param) => Str(2, param);

    static byte[] Msg(params byte[][] fields) => fields.SelectMany(f => f).ToArray();
    static byte[] Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

    static byte[] Bytes(int field, byte[] payload) => [.. Raw((ulong)(field << 3 | 2)), .. Raw((ulong)payload.Length), .. payload];
    static byte[] Varint(int field, ulong value) => [.. Raw((ulong)(field << 3)), .. Raw(value)];

    static byte[] Raw(ulong v)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(v & 0x7F);
            v >>= 7;
            bytes.Add(v != 0 ? (byte)(b | 0x80) : b);
        } while (v != 0);
        return [.. bytes];
    }
}
