using System.Text;

namespace InstantViews.Tests.Depth;

/// <summary>
/// Writes a tiny ONNX model by hand (protobuf wire format, no generator): image [1, 3, h, w] -> Conv 1x1 with
/// weights a/3 and bias b -> [1, 1, h, w], i.e. out = a * mean(channels) + b.
/// </summary>
static class TinyOnnx
{
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
