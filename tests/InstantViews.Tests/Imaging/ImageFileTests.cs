using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Imaging;

public class ImageFileTests
{
    public ImageFileTests() => TestTorch.Init();

    [Fact]
    public void Eight_bit_png_round_trip_is_exact()
    {
        using var dir = new TempDir();
        var rng = new Random(1);
        var bytes = new byte[13 * 7 * 3];
        rng.NextBytes(bytes);
        ImageFile.WritePng(dir.File("a.png"), bytes, 13, 7, 3);
        var t = ImageFile.Read(dir.File("a.png"));
        Assert.Equal(new long[] { 3, 7, 13 }, t.shape);
        Assert.True(t.min().item<float>() >= -1 && t.max().item<float>() <= 1);
        Assert.Equal(bytes, ImageFile.ToBytes(t));
        ImageFile.Write(dir.File("b.png"), t);
        Assert.Equal(bytes, ImageFile.ReadRgb8(dir.File("b.png")).Rgb);
    }

    [Fact]
    public void Sixteen_bit_png_round_trip_is_exact()
    {
        using var dir = new TempDir();
        var values = Enumerable.Range(0, 9 * 5).Select(i => (ushort)(i * 1457 % 65536)).ToArray();
        Png.WriteGray16(dir.File("d.png"), values, 9, 5);
        var (back, w, h) = Png.ReadGray16(dir.File("d.png"));
        Assert.Equal((9, 5), (w, h));
        Assert.Equal(values, back);
    }

    [Fact]
    public void Sixteen_bit_reader_rejects_rgb_with_clear_error()
    {
        using var dir = new TempDir();
        ImageFile.WritePng(dir.File("rgb.png"), new byte[4 * 4 * 3], 4, 4, 3);
        var e = Assert.Throws<UserError>(() => Png.ReadGray16(dir.File("rgb.png")));
        Assert.Contains("single-channel 16-bit", e.Message);
        Assert.Contains("rgb.png", e.Message);
    }

    [Fact]
    public void Bad_files_give_one_line_errors_naming_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("text.png"), "hello");
        Assert.Contains("text.png", Assert.Throws<UserError>(() => ImageFile.Read(dir.File("text.png"))).Message);
        Assert.Contains("not found", Assert.Throws<UserError>(() => ImageFile.Read(dir.File("missing.png"))).Message);
        var rng = new Random(2);
        var px = new byte[64 * 64 * 3];
        rng.NextBytes(px);
        ImageFile.WritePng(dir.File("full.png"), px, 64, 64, 3);
        var bytes = File.ReadAllBytes(dir.File("full.png"));
        File.WriteAllBytes(dir.File("cut.png"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<UserError>(() => ImageFile.Read(dir.File("cut.png")));
        Assert.Contains("cut.png", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Theory]
    [InlineData(ResizeFilter.Area, 4, 6)]
    [InlineData(ResizeFilter.Bilinear, 32, 20)]
    [InlineData(ResizeFilter.Bicubic, 33, 17)]
    public void Resize_of_constant_image_stays_constant(ResizeFilter filter, int h, int w)
    {
        using var img = full(new long[] { 3, 16, 12 }, 0.3f);
        using var r = Resize.To(img, h, w, filter);
        Assert.Equal(new long[] { 3, h, w }, r.shape);
        Assert.True((r - 0.3f).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Area_downsampling_is_block_mean()
    {
        using var img = arange(16f).reshape(1, 4, 4);
        using var r = Resize.Down(img, 2);
        Assert.Equal(new[] { 2.5f, 4.5f, 10.5f, 12.5f }, r.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Animation_writes_every_frame()
    {
        using var dir = new TempDir();
        var frames = Enumerable.Range(0, 5).Select(i => full(new long[] { 3, 8, 10 }, i / 5f)).ToList();
        ImageGrid.WriteAnimation(dir.File("a.png"), frames);
        var bytes = File.ReadAllBytes(dir.File("a.png"));
        Assert.Equal(5, CountChunks(bytes, "fcTL"));
        Assert.Equal(4, CountChunks(bytes, "fdAT"));
        // The first frame is also the still image every PNG reader shows.
        var still = ImageFile.Read(dir.File("a.png"));
        Assert.True((still - frames[0]).abs().max().item<float>() < 0.01f);
    }

    static int CountChunks(byte[] png, string type)
    {
        int count = 0, pos = 8;
        while (pos + 8 <= png.Length)
        {
            var len = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == type) count++;
            pos += 12 + len;
        }
        return count;
    }

    [Fact]
    public void Grid_places_tiles_with_gaps()
    {
        using var imgs = stack(new[] { full(new long[] { 3, 4, 4 }, -1f), full(new long[] { 3, 4, 4 }, 0f), full(new long[] { 3, 4, 4 }, 0.5f) });
        using var g = ImageGrid.Tile(imgs, columns: 2, gap: 1);
        Assert.Equal(new long[] { 3, 11, 11 }, g.shape);
        Assert.Equal(-1f, g[0, 1, 1].item<float>());
        Assert.Equal(0f, g[0, 1, 6].item<float>());
        Assert.Equal(0.5f, g[0, 6, 1].item<float>());
        Assert.Equal(1f, g[0, 6, 6].item<float>());
    }

    [Fact]
    public void Npy_round_trip_and_header_are_numpy_compatible()
    {
        using var dir = new TempDir();
        var v = new[] { 1f, 2.5f, -3f, 4f, 5f, 6f };
        Npy.WriteFloat32(dir.File("x.npy"), v, 2, 3);
        var bytes = File.ReadAllBytes(dir.File("x.npy"));
        Assert.Equal(0, (10 + BitConverter.ToUInt16(bytes, 8)) % 64);
        Assert.Contains("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", System.Text.Encoding.ASCII.GetString(bytes));
        var (back, shape) = Npy.ReadFloat32(dir.File("x.npy"));
        Assert.Equal(v, back);
        Assert.Equal(new long[] { 2, 3 }, shape);
    }
    [Fact]
    public void Packed_rgb_round_trips_through_png_exactly_and_through_jpeg_nearly()
    {
        var (w, h) = (23, 17);
        var r = new Random(5);
        var rgb = new byte[3 * w * h];
        r.NextBytes(rgb);
        var (png, pw, ph) = ImageFile.DecodeRgb8(ImageFile.EncodeRgb8(rgb, w, h), "png");
        Assert.Equal((w, h), (pw, ph));
        Assert.Equal(rgb, png);
        Assert.Contains("are not 23x17 RGB", Assert.Throws<ArgumentException>(() => ImageFile.EncodeRgb8(rgb[1..], w, h)).Message);
        // The depth training's JPEG augmentation: a smooth ramp survives quality 95 within a level or two; quality 5 loses more.
        float[] Ramp() => Enumerable.Range(0, 3 * 64 * 48).Select(i => (i / 3 % 64) / 63f * (1 + i % 3) / 3).ToArray();
        double Error(int quality)
        {
            var x = Ramp();
            InstantViews.Depth.PhotoAugment.Jpeg(x, 64, 48, quality);
            return x.Zip(Ramp(), (a, b) => Math.Abs(a - b)).Average();
        }
        Assert.True(Error(95) < 2 / 255.0);
        Assert.True(Error(5) > 2 * Error(95));
    }
}
