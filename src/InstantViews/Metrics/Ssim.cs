using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Metrics;

/// <summary>
/// Structural similarity (Wang et al. 2004) of images in [0, 1]: 11x11 Gaussian window with sigma 1.5,
/// K1 = 0.01, K2 = 0.03, computed per channel over the valid window positions, then averaged.
/// </summary>
public static class Ssim
{
    public const int Window = 11;
    public const double Sigma = 1.5, K1 = 0.01, K2 = 0.03;

    /// <summary>
    /// SSIM per image of [N,C,H,W] (H, W >= 11). <paramref name="mask"/> ([N,1|C,H,W]) weights the SSIM map,
    /// cropped to the valid window centres; an image whose mask has no weight there has no score (NaN, <see cref="Region"/>).
    /// </summary>
    public static Tensor Compute(Tensor pred, Tensor target, Tensor? mask = null) =>
        mask is null ? Reduce(Map(pred, target)) : Region(Map(pred, target), mask);

    /// <summary>
    /// The SSIM of a region per image: <see cref="Reduce"/> with <paramref name="mask"/>, NaN for an image whose region has
    /// no valid window centre (all of it within 5 pixels of the border, or empty), which a mean over images then skips;
    /// <see cref="Reduce"/> gives 0 there, as a loss wants.
    /// </summary>
    public static Tensor Region(Tensor map, Tensor mask)
    {
        var m = Centres(map, mask);
        var weight = m.sum([1L, 2L, 3L]);
        return where(weight.gt(0), map.mul(m).sum([1L, 2L, 3L]).div(weight.clamp_min(1e-12)), full_like(weight, double.NaN));
    }

    /// <summary><paramref name="mask"/> ([N,1|C,H,W]) cropped to the valid window centres and expanded to the map's shape.</summary>
    static Tensor Centres(Tensor map, Tensor mask)
    {
        var r = Window / 2;
        return Psnr.Batched(mask).to(map.dtype)[.., .., r..^r, r..^r].expand_as(map);
    }

    /// <summary>The SSIM map of [N,C,H,W] images at the valid window centres, [N,C,H-10,W-10] (one map serves several masks).</summary>
    public static Tensor Map(Tensor pred, Tensor target)
    {
        var (x, y) = (Psnr.Batched(pred), Psnr.Batched(target));
        if (x.shape[2] < Window || x.shape[3] < Window)
            throw new ArgumentException($"SSIM needs images of at least {Window}x{Window}, got {x.shape[2]}x{x.shape[3]}");
        var c = x.shape[1];
        var g = Gaussian(x.dtype, x.device);
        var w = g.outer(g).expand(c, 1, Window, Window);
        Tensor Blur(Tensor t) => F.conv2d(t, w, groups: c);
        var (mx, my) = (Blur(x), Blur(y));
        var sxx = Blur(x.mul(x)).sub(mx.square());
        var syy = Blur(y.mul(y)).sub(my.square());
        var sxy = Blur(x.mul(y)).sub(mx.mul(my));
        const double c1 = K1 * K1, c2 = K2 * K2; // dynamic range L = 1
        return mx.mul(my).mul(2).add(c1).mul(sxy.mul(2).add(c2))
            .div(mx.square().add(my.square()).add(c1).mul(sxx.add(syy).add(c2)));
    }

    /// <summary>The mean of an SSIM <paramref name="map"/> per image, weighted by <paramref name="mask"/> ([N,1|C,H,W], cropped to the map).</summary>
    public static Tensor Reduce(Tensor map, Tensor? mask = null)
    {
        var dims = new long[] { 1, 2, 3 };
        if (mask is null) return map.mean(dims);
        var m = Centres(map, mask);
        return map.mul(m).sum(dims).div(m.sum(dims).clamp_min(1e-12));
    }

    static Tensor Gaussian(ScalarType dtype, Device device)
    {
        var t = arange(Window, dtype: ScalarType.Float64).sub(Window / 2);
        var g = t.square().div(-2 * Sigma * Sigma).exp();
        return g.div(g.sum()).to(dtype, device);
    }
}
