using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// A minimal animated GIF writer: a fixed 3-3-2 RGB palette (256 colours) and uncompressed LZW (a clear code
/// every 250 pixels keeps codes at 9 bits). Larger than an animated PNG and coarser in colour; for viewers without APNG.
/// </summary>
public static class Gif
{
    /// <summary>The longest frame delay a GIF holds: a 16-bit count of centiseconds.</summary>
    public const int MaxDelayMs = 655350;

    /// <summary>Writes frames [C,H,W] in [-1, 1] as a looping GIF.</summary>
    public static void WriteAnimation(string path, IReadOnlyList<Tensor> frames, int delayMs = 100)
    {
        using var writer = AnimationWriter.Create(path, AnimationFormat.Gif, (int)frames[0].shape[2], (int)frames[0].shape[1], frames.Count, delayMs);
        foreach (var f in frames) writer.Add(f);
        writer.Commit();
    }
}

/// <summary>
/// Encodes a looping GIF onto a stream one frame at a time, enlarged <c>zoom</c> times (nearest neighbour) as it is
/// written: nothing but one row of palette indices and one 255-byte data block is held, whatever the frame size.
/// </summary>
public sealed class GifEncoder : IAnimationEncoder
{
    const int Clear = 256, End = 257;
    readonly Stream output;
    readonly int width, height, zoom;
    readonly ushort delay;
    readonly byte[] block = new byte[255];
    int blockLength, acc, bits;

    /// <param name="width">Width of the frames given to <see cref="Add"/> (the file's is <c>width * zoom</c>).</param>
    public GifEncoder(Stream output, int width, int height, int delayMs, int zoom = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(zoom, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)Math.Max(width, height) * zoom, ushort.MaxValue, "GIF side");
        ArgumentOutOfRangeException.ThrowIfNegative(delayMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayMs, Gif.MaxDelayMs);
        (this.output, this.width, this.height, this.zoom, delay) = (output, width, height, zoom, (ushort)Math.Max(1, delayMs / 10));
        var o = new BinaryWriter(output);
        o.Write("GIF89a"u8);
        o.Write((ushort)(width * zoom));
        o.Write((ushort)(height * zoom));
        o.Write((byte)0xF7); // global colour table of 256 entries
        o.Write((byte)0);
        o.Write((byte)0);
        for (int i = 0; i < 256; i++)
        {
            o.Write((byte)((i >> 5) * 255 / 7));
            o.Write((byte)(((i >> 2) & 7) * 255 / 7));
            o.Write((byte)((i & 3) * 255 / 3));
        }
        o.Write([0x21, 0xFF, 11]);
        o.Write("NETSCAPE2.0"u8);
        o.Write([3, 1, 0, 0, 0]); // loop forever
        o.Flush();
    }

    /// <summary>Appends a frame: packed RGB8 (HWC) at the encoder's width and height.</summary>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"expected {width}x{height} RGB bytes, got {rgb.Length}");
        int w = width * zoom, h = height * zoom;
        Span<byte> header = [0x21, 0xF9, 4, 0, (byte)delay, (byte)(delay >> 8), 0, 0,
            0x2C, 0, 0, 0, 0, (byte)w, (byte)(w >> 8), (byte)h, (byte)(h >> 8), 0,
            8]; // graphic control (delay), image descriptor (the whole screen), LZW minimum code size
        output.Write(header);
        var row = new byte[width];
        long i = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var p = 3 * (y * width + x);
                row[x] = (byte)((rgb[p] >> 5) << 5 | (rgb[p + 1] >> 5) << 2 | rgb[p + 2] >> 6);
            }
            // Every pixel its own 9-bit code; a clear code before the table would need 10 bits.
            for (int r = 0; r < zoom; r++)
                for (int x = 0; x < w; x++, i++)
                {
                    if (i % 250 == 0) Emit(Clear);
                    Emit(row[x / zoom]);
                }
        }
        Emit(End);
        if (bits > 0) Put((byte)(acc & 0xFF));
        (acc, bits) = (0, 0);
        if (blockLength > 0) WriteBlock();
        output.WriteByte(0);
    }

    /// <summary>Writes the trailer; the stream is flushed, not closed.</summary>
    public void Finish()
    {
        output.WriteByte(0x3B);
        output.Flush();
    }

    void Emit(int code)
    {
        acc |= code << bits;
        bits += 9;
        while (bits >= 8) { Put((byte)(acc & 0xFF)); acc >>= 8; bits -= 8; }
    }

    void Put(byte b)
    {
        block[blockLength++] = b;
        if (blockLength == block.Length) WriteBlock();
    }

    void WriteBlock()
    {
        output.WriteByte((byte)blockLength);
        output.Write(block, 0, blockLength);
        blockLength = 0;
    }
}
