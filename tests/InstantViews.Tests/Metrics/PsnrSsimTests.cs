using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.Tests.Metrics;

public class PsnrSsimTests
{
    static PsnrSsimTests() => TestTorch.Init();

    [Fact]
    public void Constant_shift_of_0_1_gives_20_dB()
    {
        using var scope = NewDisposeScope();
        var a = rand(2, 3, 8, 8).mul(0.8);
        // MSE = 0.01 -> 10 log10(1 / 0.01) = 20 dB.
        var p = Psnr.Compute(a.add(0.1), a);
        Assert.Equal(20.0, p[0].item<float>(), 3);
        Assert.Equal(20.0, p[1].item<float>(), 3);
    }

    [Fact]
    public void A_single_image_without_a_batch_axis_gives_one_value()
    {
        using var scope = NewDisposeScope();
        var a = rand(3, 8, 8).mul(0.8);
        var p = Psnr.Compute(a.add(0.1), a);
        Assert.Equal(new long[] { 1 }, p.shape);
        Assert.Equal(20.0, p[0].item<float>(), 3);
    }

    [Fact]
    public void Masked_psnr_counts_only_masked_pixels()
    {
        using var scope = NewDisposeScope();
        var a = zeros(1, 3, 4, 4);
        var b = a.clone();
        b[.., .., 0, 0] = tensor(0.5f);     // error only at pixel (0,0), squared 0.25
        var mask = zeros(1, 1, 4, 4);
        mask[.., .., 0, 0] = tensor(1f);
        mask[.., .., 0, 1] = tensor(1f);
        // Masked MSE = 0.25 / 2 -> 10 log10(8) dB.
        Assert.Equal(10 * Math.Log10(8), Psnr.Compute(b, a, mask).item<float>(), 3);
    }

    [Fact]
    public void Ssim_of_an_image_with_itself_is_1()
    {
        using var scope = NewDisposeScope();
        var a = rand(2, 3, 16, 16);
        var s = Ssim.Compute(a, a);
        Assert.Equal(1.0, s[0].item<float>(), 5);
        Assert.Equal(1.0, s[1].item<float>(), 5);
        Assert.True(Ssim.Compute(a, rand(2, 3, 16, 16))[0].item<float>() < 0.5);
    }

    [Fact]
    public void Ssim_of_two_constant_images_is_the_luminance_term()
    {
        using var scope = NewDisposeScope();
        // Constant images: variances and covariance are 0, so SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = 0.01^2.
        var a = full(1, 1, 11, 11, 0.5f);
        var b = full(1, 1, 11, 11, 0.25f);
        const double c1 = 1e-4;
        Assert.Equal((2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), Ssim.Compute(a, b).item<float>(), 5);
    }

    [Fact]
    public void Masked_ssim_ignores_the_unmasked_half()
    {
        using var scope = NewDisposeScope();
        var a = rand(1, 3, 24, 24);
        var b = a.clone();
        b[.., .., 12.., ..] = rand(1, 3, 12, 24);
        var mask = zeros(1, 1, 24, 24);
        mask[.., .., ..6, ..] = tensor(1f); // window centres in rows 5..5 only see unchanged rows 0..10
        Assert.Equal(1.0, Ssim.Compute(b, a, mask).item<float>(), 5);
    }

    /// <summary>SSIM of one 11x11 window written out: Gaussian weights (sigma 1.5), weighted means, variances, covariance.</summary>
    static double OneWindow(double[,] x, double[,] y, int row0 = 0)
    {
        var g = Enumerable.Range(0, 11).Select(i => Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5))).ToArray();
        var total = g.Sum() * g.Sum();
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < 11; i++)
            for (int j = 0; j < 11; j++)
            {
                var w = g[i] * g[j] / total;
                var (a, b) = (x[row0 + i, j], y[row0 + i, j]);
                (mx, my, xx, yy, xy) = (mx + w * a, my + w * b, xx + w * a * a, yy + w * b * b, xy + w * a * b);
            }
        var (sxx, syy, sxy) = (xx - mx * mx, yy - my * my, xy - mx * my);
        const double c1 = 1e-4, c2 = 9e-4;
        return (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    }

    static double[,] Plane(Tensor t) => (double[,])t.to_type(ScalarType.Float64).data<double>().ToNDArray();

    [Fact]
    public void Ssim_is_the_gaussian_window_formula_averaged_over_channels_and_positions()
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(5);
        var x = rand([1, 2, 12, 11], dtype: ScalarType.Float64, generator: gen);
        var y = x.mul(0.6).add(rand([1, 2, 12, 11], dtype: ScalarType.Float64, generator: gen).mul(0.4));
        // Two window positions (rows 0-10 and 1-11) per channel, averaged; a mask on the second centre row keeps only it.
        var windows = new[] { 0, 1 }.Select(ch => (X: Plane(x[0, ch]), Y: Plane(y[0, ch]))).ToArray();
        var expected = windows.Average(w => (OneWindow(w.X, w.Y, 0) + OneWindow(w.X, w.Y, 1)) / 2);
        Assert.Equal(expected, Ssim.Compute(x, y).item<double>(), 10);
        var mask = zeros([1, 1, 12, 11], dtype: ScalarType.Float64);
        mask[0, 0, 6, 5] = tensor(1.0);
        Assert.Equal(windows.Average(w => OneWindow(w.X, w.Y, 1)), Ssim.Compute(x, y, mask).item<double>(), 10);
        Assert.Contains("at least 11x11, got 10x11", Assert.Throws<ArgumentException>(() => Ssim.Compute(x[.., .., ..10, ..], y[.., .., ..10, ..])).Message);
    }
    [Fact]
    public void A_region_with_no_valid_window_centre_has_no_ssim_where_the_loss_takes_zero()
    {
        // Two 16x16 images: the first's region is a 3-pixel strip at the frame's edge (no centre 5 pixels in), the
        // second's reaches the centres. SSIM of a region is NaN for the first (a mean over images skips it), the
        // loss's Reduce 0.
        var a = rand(2, 3, 16, 16, generator: new TorchSharp.torch.Generator(1));
        var b = rand(2, 3, 16, 16, generator: new TorchSharp.torch.Generator(2));
        var mask = zeros(2, 1, 16, 16);
        mask[0, .., .., ..3] = tensor(1f);
        mask[1, .., .., ..8] = tensor(1f);
        var map = Ssim.Map(b, a);
        var region = Ssim.Compute(b, a, mask);
        Assert.True(double.IsNaN(region[0].item<float>()));
        Assert.Equal(Ssim.Reduce(map, mask)[1].item<float>(), region[1].item<float>());
        Assert.Equal(0f, Ssim.Reduce(map, mask)[0].item<float>());
        Assert.True(double.IsNaN(Ssim.Region(map, zeros(2, 1, 16, 16))[1].item<float>())); // an empty region too
    }
}
