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
}
