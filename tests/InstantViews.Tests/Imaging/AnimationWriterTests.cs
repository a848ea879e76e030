using System.Buffers.Binary;
using System.IO.Compression;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Tests.Imaging;

public class AnimationWriterTests
{
    public AnimationWriterTests() => TestTorch.Init();

    static List<Tensor> Frames(int count, int height, int width, int seed)
    {
        var g = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(_ => rand(new long[] { 3, height, width }, generator: g) * 2 - 1).ToList();
    }

    // Packed RGB8 of a frame enlarged `zoom` times (nearest neighbour).
    static byte[] Enlarged(Tensor frame, int zoom)
    {
        var (h, w) = ((int)frame.shape[1], (int)frame.shape[2]);
        var rgb = ImageFile.ToBytes(frame);
        var out_ = new byte[rgb.Length * zoom * zoom];
        for (int y = 0; y < h * zoom; y++)
            for (int x = 0; x < w * zoom; x++)
                rgb.AsSpan(3 * ((y / zoom) * w + x / zoom), 3).CopyTo(out_.AsSpan(3 * (y * w * zoom + x)));
        return out_;
    }

    /// <summary>
    /// The frames of a GIF (written by <see cref="GifEncoder"/>: no global table, a local table per frame) as packed RGB,
    /// with each frame's delay (centiseconds) and the screen size; LZW decoded here from the GIF89a specification.
    /// </summary>
    static (int Width, int Height, List<(int Delay, byte[] Rgb)> Frames) ReadGif(byte[] gif)
    {
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        int w = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(6)), h = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(8));
        Assert.Equal(0, gif[10] & 0x80); // no global colour table
        var pos = 13 + 19; // header, NETSCAPE2.0 loop extension
        var frames = new List<(int, byte[])>();
        while (gif[pos] != 0x3B)
        {
            Assert.Equal(0x21, gif[pos]);
            var delay = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(pos + 4));
            pos += 8;
            Assert.Equal(0x2C, gif[pos]);
            Assert.Equal(w, BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(pos + 5)));
            Assert.Equal(0x87, gif[pos + 9]); // a local colour table of 256 entries
            var palette = gif.AsSpan(pos + 10, 768).ToArray();
            pos += 10 + 768;
            var minCodeSize = gif[pos++];
            var data = new List<byte>();
            while (gif[pos] != 0)
            {
                data.AddRange(gif.AsSpan(pos + 1, gif[pos]).ToArray());
                pos += 1 + gif[pos];
            }
            pos++;
            var indices = Lzw(data.ToArray(), minCodeSize);
            Assert.Equal(w * h, indices.Count);
            frames.Add((delay, indices.SelectMany(i => palette.AsSpan(3 * i, 3).ToArray()).ToArray()));
        }
        return (w, h, frames);
    }

    /// <summary>GIF LZW decoding: variable-width codes, least significant bit first, clear and end codes, widths up to 12 bits.</summary>
    static List<int> Lzw(byte[] data, int minCodeSize)
    {
        int clear = 1 << minCodeSize, end = clear + 1;
        var table = new List<int[]>();
        void Reset()
        {
            table.Clear();
            for (int i = 0; i < clear + 2; i++) table.Add([i]);
        }
        Reset();
        var size = minCodeSize + 1;
        var output = new List<int>();
        int[]? previous = null;
        long bit = 0;
        while (true)
        {
            var code = 0;
            for (int k = 0; k < size; k++) code |= ((data[(int)((bit + k) / 8)] >> (int)((bit + k) % 8)) & 1) << k;
            bit += size;
            if (code == clear) { Reset(); size = minCodeSize + 1; previous = null; continue; }
            if (code == end) break;
            int[] entry;
            if (code < table.Count) entry = table[code];
            else
            {
                Assert.Equal(table.Count, code); // the only code not yet in the table is the next one (KwKwK)
                entry = [.. previous!, previous![0]];
            }
            output.AddRange(entry);
            if (previous is not null && table.Count < 4096)
            {
                table.Add([.. previous, entry[0]]);
                if (table.Count == 1 << size && size < 12) size++;
            }
            previous = entry;
        }
        return output;
    }

    static IEnumerable<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        for (int pos = 8; pos + 8 <= png.Length;)
        {
            var len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            yield return (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4), png.AsSpan(pos + 8, len).ToArray());
            pos += 12 + len;
        }
    }

    [Fact]
    public void A_gif_holds_every_frame_enlarged_by_the_zoom()
    {
        using var dir = new TempDir();
        var frames = Frames(3, 5, 7, seed: 1);
        using (var writer = AnimationWriter.Create(dir.File("a.gif"), AnimationFormat.Gif, 7, 5, frames.Count, delayMs: 120, zoom: 3))
        {
            foreach (var f in frames) writer.Add(f);
            writer.Commit();
        }
        var bytes = File.ReadAllBytes(dir.File("a.gif"));
        var (w, h, read) = ReadGif(bytes);
        Assert.Equal((21, 15), (w, h));
        Assert.Equal(3, read.Count);
        for (int i = 0; i < 3; i++)
        {
            // Each frame is its own quantised colours, enlarged: a 7x5 frame has at most 35 colours, all kept exactly.
            Assert.Equal(12, read[i].Delay);
            Assert.Equal(Enlarged(frames[i], 3), read[i].Rgb);
        }
        // A standard decoder reads the same pixels.
        using var codec = SkiaSharp.SKCodec.Create(new MemoryStream(bytes));
        Assert.Equal(3, codec.FrameCount);
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(21, 15, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul));
        Assert.Equal(SkiaSharp.SKCodecResult.Success, codec.GetPixels(bitmap.Info, bitmap.GetPixels(), new SkiaSharp.SKCodecOptions(2)));
        var rgba = bitmap.GetPixelSpan().ToArray();
        Assert.Equal(read[2].Rgb, Enumerable.Range(0, 21 * 15).SelectMany(p => new[] { rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2] }).ToArray());
    }

    [Fact]
    public void An_animated_png_cuts_large_frames_into_numbered_chunks_that_decode_to_the_frames()
    {
        using var dir = new TempDir();
        // Noise does not compress: each 700x700 frame (1.5 MB) takes two data chunks.
        var frames = Frames(2, 700, 700, seed: 2);
        using (var writer = AnimationWriter.Create(dir.File("a.png"), AnimationFormat.Png, 700, 700, frames.Count, delayMs: 100))
        {
            foreach (var f in frames) writer.Add(f);
            writer.Commit();
        }
        var chunks = Chunks(File.ReadAllBytes(dir.File("a.png"))).ToList();
        Assert.Equal(["IHDR", "acTL", "fcTL", "IDAT", "IDAT", "fcTL", "fdAT", "fdAT", "IEND"], chunks.Select(c => c.Type));
        // fcTL and fdAT share one sequence, in order from 0.
        var sequence = chunks.Where(c => c.Type is "fcTL" or "fdAT").Select(c => BinaryPrimitives.ReadUInt32BigEndian(c.Data)).ToList();
        Assert.Equal([0u, 1u, 2u, 3u], sequence);
        byte[] Inflate(IEnumerable<byte[]> parts)
        {
            using var z = new ZLibStream(new MemoryStream(parts.SelectMany(p => p).ToArray()), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            z.CopyTo(raw);
            var bytes = raw.ToArray();
            // Filter type 0 before each row.
            return Enumerable.Range(0, 700).SelectMany(y => bytes.Skip(y * (1 + 2100) + 1).Take(2100)).ToArray();
        }
        Assert.Equal(ImageFile.ToBytes(frames[0]), Inflate(chunks.Where(c => c.Type == "IDAT").Select(c => c.Data)));
        Assert.Equal(ImageFile.ToBytes(frames[1]), Inflate(chunks.Where(c => c.Type == "fdAT").Select(c => c.Data[4..])));
    }

    [Fact]
    public void Delays_up_to_655350_ms_are_kept_in_both_formats_and_longer_ones_refused()
    {
        using var dir = new TempDir();
        var frame = Frames(1, 4, 4, seed: 3);
        (ushort Num, ushort Den) ApngDelay(int ms)
        {
            ImageGrid.WriteAnimation(dir.File("d.png"), frame, ms);
            var fctl = Chunks(File.ReadAllBytes(dir.File("d.png"))).First(c => c.Type == "fcTL").Data;
            return (BinaryPrimitives.ReadUInt16BigEndian(fctl.AsSpan(20)), BinaryPrimitives.ReadUInt16BigEndian(fctl.AsSpan(22)));
        }
        int GifDelay(int ms)
        {
            Gif.WriteAnimation(dir.File("d.gif"), frame, ms);
            return ReadGif(File.ReadAllBytes(dir.File("d.gif"))).Frames[0].Delay;
        }
        Assert.Equal(((ushort)1500, (ushort)1000), ApngDelay(1500));
        Assert.Equal(((ushort)7000, (ushort)100), ApngDelay(70000));
        Assert.Equal(((ushort)65535, (ushort)100), ApngDelay(Gif.MaxDelayMs));
        Assert.Equal(7000, GifDelay(70000));
        Assert.Equal(65535, GifDelay(Gif.MaxDelayMs));
        Assert.Throws<ArgumentOutOfRangeException>(() => GifDelay(Gif.MaxDelayMs + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ApngDelay(Gif.MaxDelayMs + 1));
    }

    [Fact]
    public void Frames_are_written_as_they_are_added_and_nothing_is_left_without_a_commit()
    {
        using var dir = new TempDir();
        var path = dir.File("a.gif");
        var temporary = dir.File($".a.gif.{Environment.ProcessId}.tmp");
        var sizes = new List<long>();
        using (var writer = AnimationWriter.Create(path, AnimationFormat.Gif, 64, 64, 3, 100, zoom: 8))
        {
            // Each 512x512 frame (about 65 KB of GIF data) reaches the file before the next is made; the frame can go at once.
            foreach (var f in Frames(2, 64, 64, seed: 4))
            {
                writer.Add(f);
                f.Dispose();
                sizes.Add(new FileInfo(temporary).Length);
            }
            Assert.False(File.Exists(path));
        }
        Assert.True(sizes[0] > 50_000 && sizes[1] > sizes[0] + 50_000, string.Join(", ", sizes));
        // Disposed without a commit (an error part-way): neither the file nor the temporary file remains.
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        using (var writer = AnimationWriter.Create(path, AnimationFormat.Png, 8, 8, 1, 100))
        {
            writer.Add(Frames(1, 8, 8, seed: 5)[0]);
            writer.Commit();
        }
        Assert.Equal(["a.gif"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Frames_larger_than_the_limit_are_refused_before_the_file_is_made()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentOutOfRangeException>(() => AnimationWriter.Create(dir.File("a.gif"), AnimationFormat.Gif, 600, 400, 2, 100, zoom: 9));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_gif_of_a_smooth_photo_keeps_its_colours_far_better_than_a_fixed_palette()
    {
        // Smooth colour gradients with a soft disc: what a fixed 3-3-2 palette posterises.
        var y = linspace(-1, 1, 96).view(-1, 1).expand(96, 128);
        var x = linspace(-1, 1, 128).view(1, -1).expand(96, 128);
        var disc = (x.square() + y.square()).mul(-3).exp();
        var frame = stack([x * 0.8, y * 0.6 + disc * 0.3, disc - 0.5]).clamp(-1, 1);
        using var dir = new TempDir();
        Gif.WriteAnimation(dir.File("g.gif"), [frame], 100);
        var decoded = ReadGif(File.ReadAllBytes(dir.File("g.gif"))).Frames[0].Rgb;
        var original = ImageFile.ToBytes(frame);
        double Psnr(byte[] a) => 10 * Math.Log10(255.0 * 255 / a.Zip(original, (p, q) => (double)(p - q) * (p - q)).Average());
        var fixed332 = original.Select((v, i) => (i % 3) switch
        {
            2 => (byte)((v >> 6) * 255 / 3),
            _ => (byte)((v >> 5) * 255 / 7),
        }).ToArray();
        var (quantised, fixedPalette) = (Psnr(decoded), Psnr(fixed332));
        Assert.True(quantised > 32 && quantised > fixedPalette + 8, $"median cut + dithering {quantised:0.0} dB, fixed 3-3-2 palette {fixedPalette:0.0} dB");
        // LZW compresses even the dithered frame: fewer bytes than one 9-bit code per pixel plus its palette.
        var size = new FileInfo(dir.File("g.gif")).Length;
        Assert.True(size < 96 * 128 * 9 / 8, $"{size} bytes");
    }
}
