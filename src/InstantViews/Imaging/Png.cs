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

    /// <summary>
    /// The bit depth in a PNG file's header (1, 2, 4, 8 or 16), or null when the file does not start as a PNG does:
    /// how a reader chooses between <see cref="ReadGray16"/> and the 8-bit decoder.
    /// </summary>
    public static int? BitDepth(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        var head = new byte[25];
        using (var f = File.OpenRead(path))
            if (f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return null;
        var ihdr = head.AsSpan(12, 4).SequenceEqual("IHDR"u8);
        return head.AsSpan(0, 8).SequenceEqual(Signature) && ihdr ? head[24] : null;
    }

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

    /// <summary>
    /// Encodes a looping animated PNG onto a stream one frame at a time, enlarged <c>zoom</c> times (nearest neighbour)
    /// as it is written. The frame count is declared up front (acTL precedes the frames); each frame's compressed data
    /// goes out in chunks of at most <see cref="DataChunkBytes"/> (several IDAT/fdAT chunks per frame, as PNG and APNG
    /// allow), so memory does not grow with the frame size or count.
    /// </summary>
    public sealed class AnimatedEncoder : IAnimationEncoder
    {
        /// <summary>The largest IDAT/fdAT chunk written.</summary>
        public const int DataChunkBytes = 1 << 20;
        readonly Stream output;
        readonly int width, height, zoom, frameCount;
        readonly ushort delayNum, delayDen;
        uint sequence;
        int frames;

        /// <param name="width">Width of the frames given to <see cref="Add"/> (the file's is <c>width * zoom</c>).</param>
        /// <param name="delayMs">Frame delay, 0 to <see cref="Gif.MaxDelayMs"/> (stored in ms up to 65535, else in centiseconds).</param>
        public AnimatedEncoder(Stream output, int width, int height, int frameCount, int delayMs, int zoom = 1)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(zoom, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan((long)Math.Max(width, height) * zoom, int.MaxValue, "PNG side");
            ArgumentOutOfRangeException.ThrowIfNegative(delayMs);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(delayMs, Gif.MaxDelayMs);
            (this.output, this.width, this.height, this.zoom, this.frameCount) = (output, width, height, zoom, frameCount);
            (delayNum, delayDen) = delayMs <= ushort.MaxValue ? ((ushort)delayMs, (ushort)1000) : ((ushort)Math.Round(delayMs / 10.0), (ushort)100);
            output.Write(Signature);
            Chunk(output, "IHDR", Header(width * zoom, height * zoom, 8, 2));
            var actl = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(actl, (uint)frameCount);
            Chunk(output, "acTL", actl);
        }

        /// <summary>Appends a frame: packed RGB8 (HWC) at the encoder's width and height.</summary>
        public void Add(ReadOnlySpan<byte> rgb)
        {
            if (rgb.Length != width * height * 3) throw new ArgumentException($"expected {width}x{height} RGB bytes, got {rgb.Length}");
            if (frames == frameCount) throw new InvalidOperationException($"the animation was declared with {frameCount} frames");
            var fctl = new byte[26];
            BinaryPrimitives.WriteUInt32BigEndian(fctl, sequence++);
            BinaryPrimitives.WriteUInt32BigEndian(fctl.AsSpan(4), (uint)(width * zoom));
            BinaryPrimitives.WriteUInt32BigEndian(fctl.AsSpan(8), (uint)(height * zoom));
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(20), delayNum);
            BinaryPrimitives.WriteUInt16BigEndian(fctl.AsSpan(22), delayDen);
            Chunk(output, "fcTL", fctl);
            // The first frame is also the still image (IDAT); the others are fdAT chunks, numbered in sequence.
            var data = new DataChunks(this, frames == 0);
            using (var z = new ZLibStream(data, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[1 + width * zoom * 3]; // filter type 0 (none), then the enlarged row
                for (int y = 0; y < height; y++)
                {
                    var src = rgb.Slice(y * width * 3, width * 3);
                    for (int x = 0; x < width * zoom; x++) src.Slice(x / zoom * 3, 3).CopyTo(row.AsSpan(1 + 3 * x));
                    for (int r = 0; r < zoom; r++) z.Write(row);
                }
            }
            data.Complete();
            frames++;
        }

        /// <summary>Writes IEND after the declared number of frames; the stream is flushed, not closed.</summary>
        public void Finish()
        {
            if (frames != frameCount) throw new InvalidOperationException($"the animation was declared with {frameCount} frames, {frames} were added");
            Chunk(output, "IEND", []);
            output.Flush();
        }

        /// <summary>A write-only stream that cuts the compressed data into IDAT or fdAT chunks.</summary>
        sealed class DataChunks(AnimatedEncoder encoder, bool still) : Stream
        {
            readonly byte[] buffer = new byte[4 + DataChunkBytes]; // room for the fdAT sequence number in front
            int length;

            public override void Write(ReadOnlySpan<byte> bytes)
            {
                while (bytes.Length > 0)
                {
                    var n = Math.Min(bytes.Length, DataChunkBytes - length);
                    bytes[..n].CopyTo(buffer.AsSpan(4 + length));
                    length += n;
                    bytes = bytes[n..];
                    if (length == DataChunkBytes) Emit();
                }
            }

            public override void Write(byte[] bytes, int offset, int count) => Write(bytes.AsSpan(offset, count));

            public void Complete()
            {
                if (length > 0) Emit();
            }

            void Emit()
            {
                if (still) Chunk(encoder.output, "IDAT", buffer.AsSpan(4, length));
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(buffer, encoder.sequence++);
                    Chunk(encoder.output, "fdAT", buffer.AsSpan(0, 4 + length));
                }
                length = 0;
            }

            public override void Flush() { }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override int Read(byte[] b, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
