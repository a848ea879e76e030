using InstantViews.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Tests.Imaging;

public class ResizeTests
{
    public ResizeTests() => TestTorch.Init();

    [Theory]
    [InlineData(85, 128, 683, 1024)] // a 128-px view up to a photo
    [InlineData(7, 5, 20, 13)]       // odd ratios
    [InlineData(32, 32, 64, 64)]     // exact x2
    [InlineData(40, 30, 17, 11)]     // shrinking
    [InlineData(1, 3, 4, 6)]         // a single row: every tap clamped
    public void Bicubic_equals_pytorch_upsample_bicubic(int h, int w, int height, int width)
    {
        var x = rand(new long[] { 2, 3, h, w }, generator: new Generator(3)) * 2 - 1;
        var expected = F.interpolate(x, [height, width], mode: InterpolationMode.Bicubic, align_corners: false);
        var got = Resize.To(x, height, width, ResizeFilter.Bicubic);
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().item<float>() < 2e-5f, $"max difference {(got - expected).abs().max().item<float>()}");
        // Unbatched images take the same path.
        Assert.True((Resize.To(x[1], height, width, ResizeFilter.Bicubic) - expected[1]).abs().max().item<float>() < 2e-5f);
    }

    [Theory]
    [InlineData(85, 128, 683, 1024, ResizeFilter.Bicubic)]
    [InlineData(85, 128, 683, 1024, ResizeFilter.Bilinear)]
    [InlineData(7, 5, 20, 13, ResizeFilter.Bicubic)]
    [InlineData(7, 5, 20, 13, ResizeFilter.Bilinear)]
    [InlineData(1, 3, 4, 6, ResizeFilter.Bicubic)]
    [InlineData(40, 30, 17, 11, ResizeFilter.Bilinear)]
    [InlineData(9, 9, 9, 9, ResizeFilter.Bicubic)]   // the same size: the pixels themselves
    [InlineData(9, 9, 9, 9, ResizeFilter.Bilinear)]
    [InlineData(9, 9, 9, 14, ResizeFilter.Bicubic)]  // one side kept, the other resized
    [InlineData(9, 9, 9, 14, ResizeFilter.Bilinear)]
    [InlineData(9, 9, 12, 9, ResizeFilter.Bicubic)]
    [InlineData(9, 9, 12, 9, ResizeFilter.Bilinear)]
    public void Sampling_at_some_pixels_equals_resizing_then_picking_them(int h, int w, int height, int width, ResizeFilter filter)
    {
        var x = rand(new long[] { 3, h, w }, generator: new Generator(5)) * 2 - 1;
        var whole = Resize.To(x, height, width, filter).reshape(3, -1);
        // Every pixel, and a scattered few (with repeats and the corners).
        foreach (var at in new[] { arange(height * width, dtype: ScalarType.Int64), tensor(new long[] { 0, height * width - 1, width - 1, (height - 1) * width, 0, height * width / 2 + 1 }) })
        {
            var got = Resize.At(x, at, height, width, filter);
            var expected = whole.index_select(1, at);
            Assert.Equal(expected.shape, got.shape);
            Assert.True((got - expected).abs().max().item<float>() < 2e-5f, $"{filter}: max difference {(got - expected).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Bicubic_rows_sum_to_one_and_keep_a_constant()
    {
        var m = Resize.BicubicMatrix(29, 11);
        Assert.True((m.sum(1) - 1).abs().max().item<float>() < 1e-6f);
        var flat = full(new long[] { 1, 11, 11 }, 0.3f);
        Assert.True((Resize.To(flat, 29, 29, ResizeFilter.Bicubic) - 0.3f).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Sampling_at_some_pixels_reads_only_bilinear_or_bicubic()
    {
        var e = Assert.Throws<ArgumentException>(() => Resize.At(zeros(3, 4, 4), tensor(new long[] { 0 }), 8, 8, ResizeFilter.Area));
        Assert.StartsWith("Resize.At samples bilinear or bicubic, not Area", e.Message);
    }

    [Theory]
    [InlineData(10, 10, ResizeFilter.Area)]     // smaller both ways
    [InlineData(20, 10, ResizeFilter.Area)]     // the same height, narrower
    [InlineData(10, 20, ResizeFilter.Area)]     // shorter, the same width
    [InlineData(20, 20, ResizeFilter.Area)]     // the same size
    [InlineData(40, 40, ResizeFilter.Bicubic)]  // larger
    [InlineData(10, 40, ResizeFilter.Bicubic)]  // shorter but wider
    [InlineData(40, 10, ResizeFilter.Bicubic)]  // taller but narrower
    public void Without_a_filter_shrinking_averages_areas_and_anything_else_is_bicubic(int height, int width, ResizeFilter expected)
    {
        var x = rand(new long[] { 3, 20, 20 }, generator: new Generator(7));
        var other = expected == ResizeFilter.Area ? ResizeFilter.Bicubic : ResizeFilter.Area;
        var got = Resize.To(x, height, width);
        Assert.True(TensorAssert.Same(got, Resize.To(x, height, width, expected)));
        if (height != 20 || width != 20) Assert.False(TensorAssert.Same(got, Resize.To(x, height, width, other)));
    }

    [Theory]
    [InlineData(ResizeFilter.Area)]
    [InlineData(ResizeFilter.Bilinear)]
    [InlineData(ResizeFilter.Bicubic)]
    [InlineData(ResizeFilter.Nearest)]
    public void An_image_stays_unbatched_and_a_batch_of_one_stays_a_batch(ResizeFilter filter)
    {
        var x = rand(new long[] { 1, 3, 6, 8 }, generator: new Generator(8));
        var batch = Resize.To(x, 9, 12, filter);
        var single = Resize.To(x[0], 9, 12, filter);
        Assert.Equal(new long[] { 1, 3, 9, 12 }, batch.shape);
        Assert.Equal(new long[] { 3, 9, 12 }, single.shape);
        Assert.True(TensorAssert.Same(single, batch[0]));
    }

    [Fact]
    public void Down_averages_each_block_and_by_one_is_the_image()
    {
        var x = rand(new long[] { 2, 3, 8, 12 }, generator: new Generator(9));
        var expected = x.view(2, 3, 4, 2, 6, 2).mean([3L, 5L]);
        Assert.True((Resize.Down(x, 2) - expected).abs().max().item<float>() < 1e-6f);
        Assert.True((Resize.Down(x[0], 2) - expected[0]).abs().max().item<float>() < 1e-6f);
        Assert.True(TensorAssert.Same(Resize.Down(x, 1), x));
    }
}
