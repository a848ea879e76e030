using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// A minimal animated GIF writer: a fixed 3-3-2 RGB palette (256 colours) and uncompressed LZW (a clear code
/// every 250 pixels keeps codes at 9 bits). Larger than an animated PNG and coarser in colour; for viewers without APNG.
/// </summary>
public static class Gif
{
    /// <summary>Writes frames [C,H,W] in [-1, 1] as a looping GIF.</summary>
    public static void WriteAnimation(string path, IReadOnlyList<Tensor> frames, int delayMs = 100)
    {
        var h = (int)frames[0].shape[1];
        var w = (int)frames[0].shape[2];
        using var ms = new MemoryStream();
        var o = new BinaryWriter(ms);
        o.Write("GIF89a"u8.ToArray());
        o.Write((ushort)w);
        o.Write((ushort)h);
        o.Write((byte)0xF7); // global colour table of 256 entries
        o.Write((byte)0);
        o.Write((byte)0);
        for (int i = 0; i < 256; i++)
        {
            o.Write((byte)((i >> 5) * 255 / 7));
            o.Write((byte)(((i >> 2) & 7) * 255 / 7));
            o.Write((byte)((i & 3) * 255 / 3));
        }
        o.Write(new byte[] { 0x21, 0xFF, 11 });
        o.Write("NETSCAPE2.0"u8.ToArray());
        o.Write(new byte[] { 3, 1, 0, 0, 0 }); // loop forever
        foreach (var f in frames)
        {
            var rgb = ImageFile.ToBytes(f.shape[0] == 1 ? f.expand(3, -1, -1) : f);
            o.Write(new byte[] { 0x21, 0xF9, 4, 0 });
            o.Write((ushort)Math.Max(1, delayMs / 10));
            o.Write(new byte[] { 0, 0 });
            o.Write((byte)0x2C);
            o.Write((ushort)0);
            o.Write((ushort)0);
            o.Write((ushort)w);
            o.Write((ushort)h);
            o.Write((byte)0);
            o.Write((byte)8); // LZW minimum code size
            var indices = new byte[w * h];
            for (int i = 0; i < indices.Length; i++)
                indices[i] = (byte)((rgb[3 * i] >> 5) << 5 | (rgb[3 * i + 1] >> 5) << 2 | rgb[3 * i + 2] >> 6);
            var data = Lzw(indices);
            for (int i = 0; i < data.Length; i += 255)
            {
                var n = Math.Min(255, data.Length - i);
                o.Write((byte)n);
                o.Write(data, i, n);
            }
            o.Write((byte)0);
        }
        o.Write((byte)0x3B);
        o.Flush();
        AtomicFile.Write(path, ms.ToArray());
    }

    // Every pixel its own 9-bit code; a clear code before the table would need 10 bits.
    static byte[] Lzw(byte[] indices)
    {
        const int Clear = 256, End = 257;
        var bytes = new List<byte>();
        int acc = 0, bits = 0;
        void Emit(int code)
        {
            acc |= code << bits;
            bits += 9;
            while (bits >= 8) { bytes.Add((byte)(acc & 0xFF)); acc >>= 8; bits -= 8; }
        }
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % 250 == 0) Emit(Clear);
            Emit(indices[i]);
        }
        Emit(End);
        if (bits > 0) bytes.Add((byte)(acc & 0xFF));
        return [.. bytes];
    }
}
