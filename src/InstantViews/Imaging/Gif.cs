using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// Animated GIFs: each frame gets its own 256-colour palette (<see cref="ColorQuantizer"/>: median cut with
/// Floyd-Steinberg dithering) and LZW compression with codes growing from 9 to 12 bits (GIF89a). For viewers without
/// animated PNG or MP4.
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
/// written: one frame's palette indices and one 255-byte data block are held, whatever the number of frames.
/// </summary>
public sealed class GifEncoder : IAnimationEncoder
{
    const int MinCodeSize = 8, Clear = 1 << MinCodeSize, End = Clear + 1, MaxCode = 4095;
    readonly Stream output;
    readonly int width, height, zoom;
    readonly ushort delay;
    readonly byte[] block = new byte[255];
    readonly Dictionary<int, int> table = new();
    int blockLength, acc, bits, codeSize, nextCode;

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
        o.Write((byte)0x70); // no global colour table (each frame has its own), 8-bit colour resolution
        o.Write((byte)0);
        o.Write((byte)0);
        o.Write([0x21, 0xFF, 11]);
        o.Write("NETSCAPE2.0"u8);
        o.Write([3, 1, 0, 0, 0]); // loop forever
        o.Flush();
    }

    /// <summary>Appends a frame: packed RGB8 (HWC) at the encoder's width and height.</summary>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"expected {width}x{height} RGB bytes, got {rgb.Length}");
        var (palette, indices) = ColorQuantizer.Quantize(rgb, width, height);
        int w = width * zoom, h = height * zoom;
        Span<byte> header = [0x21, 0xF9, 4, 0, (byte)delay, (byte)(delay >> 8), 0, 0,
            0x2C, 0, 0, 0, 0, (byte)w, (byte)(w >> 8), (byte)h, (byte)(h >> 8), 0x87]; // graphic control (delay), image descriptor (the whole screen, a local table of 256)
        output.Write(header);
        Span<byte> table = stackalloc byte[768];
        palette.CopyTo(table);
        output.Write(table);
        output.WriteByte(MinCodeSize);
        BeginCodes();
        var prefix = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int k = indices[(y / zoom) * width + x / zoom];
                prefix = prefix < 0 ? k : Extend(prefix, k);
            }
        Emit(prefix);
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

    void BeginCodes()
    {
        table.Clear();
        (codeSize, nextCode) = (MinCodeSize + 1, End + 1);
        Emit(Clear);
    }

    /// <summary>LZW: the string prefix + k if it is in the table, else emits prefix, adds prefix + k, and starts again at k.</summary>
    int Extend(int prefix, int k)
    {
        var key = prefix << 8 | k;
        if (table.TryGetValue(key, out var code)) return code;
        Emit(prefix);
        if (nextCode <= MaxCode)
        {
            table[key] = nextCode++;
            // The decoder widens its codes one code later than it adds them.
            if (nextCode > (1 << codeSize) && codeSize < 12) codeSize++;
        }
        else
        {
            // A full table starts over.
            Emit(Clear);
            table.Clear();
            (codeSize, nextCode) = (MinCodeSize + 1, End + 1);
        }
        return k;
    }

    void Emit(int code)
    {
        acc |= code << bits;
        bits += codeSize;
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
