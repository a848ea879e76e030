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

    /// <summary>The frames of a GIF as palette indices, with each frame's delay (centiseconds) and the screen size.</summary>
    static (int Width, int Height, List<(int Delay, byte[] Indices)> Frames) ReadGif(byte[] gif)
    {
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        int w = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(6)), h = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(8));
        var pos = 13 + 768 + 19; // header, global colour table, NETSCAPE2.0 loop extension
        var frames = new List<(int, byte[])>();
        while (gif[pos] != 0x3B)
        {
            Assert.Equal(0x21, gif[pos]);
            var delay = BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(pos + 4));
            pos += 8;
            Assert.Equal(0x2C, gif[pos]);
            Assert.Equal(w, BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(pos + 5)));
            pos += 10;
            Assert.Equal(8, gif[pos++]);
            var data = new List<byte>();
            while (gif[pos] != 0)
            {
                data.AddRange(gif.AsSpan(pos + 1, gif[pos]).ToArray());
                pos += 1 + gif[pos];
            }
            pos++;
            // 9-bit codes, least significant bit first: 256 clears, 257 ends; every other code is one pixel.
            var indices = new List<byte>();
            for (long bit = 0; ; bit += 9)
            {
                var code = 0;
                for (int k = 0; k < 9; k++) code |= ((data[(int)((bit + k) / 8)] >> (int)((bit + k) % 8)) & 1) << k;
                if (code == 257) break;
                if (code != 256) indices.Add((byte)code);
            }
            frames.Add((delay, indices.ToArray()));
        }
        return (w, h, frames);
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
        var (w, h, read) = ReadGif(File.ReadAllBytes(dir.File("a.gif")));
        Assert.Equal((21, 15), (w, h));
        Assert.Equal(3, read.Count);
        for (int i = 0; i < 3; i++)
        {
            var rgb = Enlarged(frames[i], 3);
            var expected = Enumerable.Range(0, 21 * 15).Select(p => (byte)((rgb[3 * p] >> 5) << 5 | (rgb[3 * p + 1] >> 5) << 2 | rgb[3 * p + 2] >> 6)).ToArray();
            Assert.Equal(12, read[i].Delay);
            Assert.Equal(expected, read[i].Indices);
        }
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
            // Each 512x512 frame (295 KB of GIF data) reaches the file before the next is made; the frame can go at once.
            foreach (var f in Frames(2, 64, 64, seed: 4))
            {
                writer.Add(f);
                f.Dispose();
                sizes.Add(new FileInfo(temporary).Length);
            }
            Assert.False(File.Exists(path));
        }
        Assert.True(sizes[0] > 200_000 && sizes[1] > sizes[0] + 200_000, string.Join(", ", sizes));
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
}
