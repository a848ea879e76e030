using System.Buffers.Binary;
using System.IO.Compression;
using InstantViews.Runtime;

namespace InstantViews.Imaging;

/// <summary>
/// The parts of PNG that SkiaSharp does not offer: single-channel 16-bit files (depth in millimetres) and
/// animated PNG. Chunks, CRC and filters per the PNG specification.
/// </summary>
public static class Png
{
    static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    static readonly uint[] CrcTable = BuildCrcTable();

    static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    static uint Crc(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in type) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    static void Chunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> u = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(u, (uint)data.Length);
        s.Write(u);
        var t = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(t);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(u, Crc(t, data));
        s.Write(u);
    }

    static byte[] Header(int w, int h, byte bitDepth, byte colorType)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, (uint)w);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), (uint)h);
        d[8] = bitDepth;
        d[9] = colorType;
        return d;
    }

    static byte[] Deflate(ReadOnlySpan<byte> raw)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal)) z.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Scanlines with filter type 0 (none) before each row.</summary>
    static byte[] Scanlines(ReadOnlySpan<byte> pixels, int rowBytes, int h)
    {
        var raw = new byte[(rowBytes + 1) * h];
        for (int y = 0; y < h; y++) pixels.Slice(y * rowBytes, rowBytes).CopyTo(raw.AsSpan(y * (rowBytes + 1) + 1));
        return raw;
    }

    /// <summary>Encodes a single-channel 16-bit PNG (values row-major).</summary>
    public static byte[] EncodeGray16(ReadOnlySpan<ushort> values, int width, int height)
    {
        if (values.Length != width * height) throw new ArgumentException("values length must be width*height");
        var px = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(px.AsSpan(2 * i), values[i]);
        using var ms = new MemoryStream();
        ms.Write(Signature);
        Chunk(ms, "IHDR", Header(width, height, 16, 0));
        Chunk(ms, "IDAT", Deflate(Scanlines(px, width * 2, height)));
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    public static void WriteGray16(string path, ReadOnlySpan<ushort> values, int width, int height) =>
        AtomicFile.Write(path, EncodeGray16(values, width, height));

    /// <summary>Decodes a single-channel 16-bit PNG; any other kind gives an error naming the file and what it is.</summary>
    public static (ushort[] Values, int Width, int Height) ReadGray16(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var data = File.ReadAllBytes(path);
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature)) throw new UserError($"'{path}': not a PNG file");
        int pos = 8, w = 0, h = 0;
        byte depth = 0, color = 0, interlace = 0;
        using var idat = new MemoryStream();
        var sawEnd = false;
        while (pos + 8 <= data.Length)
        {
            var len = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            if (len < 0 || pos + 12 + len > data.Length) throw new UserError($"'{path}': truncated PNG (chunk {type})");
            var body = data.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                w = (int)BinaryPrimitives.ReadUInt32BigEndian(body);
                h = (int)BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                ImageFile.CheckSize(path, BinaryPrimitives.ReadUInt32BigEndian(body), BinaryPrimitives.ReadUInt32BigEndian(body[4..]));
                depth = body[8];
                color = body[9];
                interlace = body[12];
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") { sawEnd = true; break; }
            pos += 12 + len;
        }
        if (!sawEnd) throw new UserError($"'{path}': truncated PNG (no IEND chunk)");
        if (color != 0 || depth != 16)
        {
            var kind = color switch { 0 => "grey", 2 => "RGB", 3 => "palette", 4 => "grey+alpha", 6 => "RGBA", _ => $"colour type {color}" };
            throw new UserError($"'{path}': expected a single-channel 16-bit PNG, found {kind} {depth}-bit");
        }
        if (interlace != 0) throw new UserError($"'{path}': interlaced 16-bit PNG is not supported; save it without interlacing");
        byte[] raw;
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            using var outMs = new MemoryStream();
            z.CopyTo(outMs);
            raw = outMs.ToArray();
        }
        catch (InvalidDataException) { throw new UserError($"'{path}': corrupt PNG image data"); }
        const int bpp = 2;
        var stride = w * bpp;
        if (raw.Length < (stride + 1) * h) throw new UserError($"'{path}': truncated PNG image data");
        var cur = new byte[stride];
        var prev = new byte[stride];
        var values = new ushort[w * h];
        for (int y = 0; y < h; y++)
        {
            var filter = raw[y * (stride + 1)];
            raw.AsSpan(y * (stride + 1) + 1, stride).CopyTo(cur);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                cur[i] = filter switch
                {
                    0 => cur[i],
                    1 => (byte)(cur[i] + a),
                    2 => (byte)(cur[i] + b),
                    3 => (byte)(cur[i] + (a + b) / 2),
                    4 => (byte)(cur[i] + Paeth(a, b, c)),
                    _ => throw new UserError($"'{path}': corrupt PNG (filter {filter})"),
                };
            }
            for (int x = 0; x < w; x++) values[y * w + x] = BinaryPrimitives.ReadUInt16BigEndian(cur.AsSpan(2 * x));
            (prev, cur) = (cur, prev);
        }
        return (values, w, h);
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Encodes RGB8 frames (packed HWC, same size) as an animated PNG that loops forever.</summary>
    public static byte[] EncodeAnimatedRgb(IReadOnlyList<byte[]> frames, int width, int height, int delayMs)
    {
        if (frames.Count == 0) throw new ArgumentException("an animation needs at least one frame");
        using var ms = new MemoryStream();
        ms.Write(Signature);
        Chunk(ms, "IHDR", Header(width, height, 8, 2));
        var actl = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(actl, (uint)frames.Count);
        Chunk(ms, "acTL", actl);
        uint seq = 0;
        for (int f = 0; f < frames.Count; f++)
        {
            var fctl = new byte[26];
            BinaryPrimitives.WriteUInt32BigEndian(fctl, seq++);
            BinaryPrimitives.WriteUInt32BigEndian(fctl.AsSpan(4), (uint)width);
            BinaryPrimitives.WriteUInt32BigEndian(fctl.AsSpan(8), (uint)height);
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(20), (ushort)Math.Clamp(delayMs, 0, 65535));
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(22), 1000);
            Chunk(ms, "fcTL", fctl);
            var z = Deflate(Scanlines(frames[f], width * 3, height));
            if (f == 0) Chunk(ms, "IDAT", z);
            else
            {
                var fdat = new byte[4 + z.Length];
                BinaryPrimitives.WriteUInt32BigEndian(fdat, seq++);
                z.CopyTo(fdat, 4);
                Chunk(ms, "fdAT", fdat);
            }
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }
}
