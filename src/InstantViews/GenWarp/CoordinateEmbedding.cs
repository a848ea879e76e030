using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// GenWarp's coordinate embeddings: the model sees where each source pixel went, not warped colours.
/// The 10 base channels of a W x H grid, with pixel centres x = 2 (i + 0.5) / W - 1 along the WIDTH and
/// y = 2 (j + 0.5) / H - 1 along the HEIGHT (both in (-1, 1); released code swaps them, its issue #12), are:
/// 0 x, 1 y, 2 sin(pi x), 3 cos(pi x), 4 sin(pi y), 5 cos(pi y), 6 sin(2 pi x), 7 cos(2 pi x), 8 sin(2 pi y), 9 cos(2 pi y).
/// Source embedding = base + a zero channel; target embedding = base forward-splatted into the target view + the hole mask.
/// </summary>
public static class CoordinateEmbedding
{
    public const int BaseChannels = 10;
    public const int Channels = 11;
    /// <summary>The Fourier channels (2-9): what coordinate attention starts by matching.</summary>
    public static int[] FourierChannels => [2, 3, 4, 5, 6, 7, 8, 9];

    /// <summary>The 10 base channels [10, H, W].</summary>
    public static Tensor Grid(int height, int width, Device? device = null)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"grid size must be positive, got {width}x{height}");
        var dev = device ?? CPU;
        var x = ((arange(width, ScalarType.Float32, dev) + 0.5f) * (2f / width) - 1).view(1, width).expand(height, width);
        var y = ((arange(height, ScalarType.Float32, dev) + 0.5f) * (2f / height) - 1).view(height, 1).expand(height, width);
        var channels = new List<Tensor> { x, y };
        foreach (var f in new[] { Math.PI, 2 * Math.PI })
            channels.AddRange([(x * f).sin(), (x * f).cos(), (y * f).sin(), (y * f).cos()]);
        return stack(channels, 0);
    }

    /// <summary>Source embedding [11, H, W]: the base channels and a zero channel (a source pixel is never a hole).</summary>
    public static Tensor Source(int height, int width, Device? device = null)
    {
        var g = Grid(height, width, device);
        return cat([g, zeros(1, height, width, device: g.device)], 0);
    }

    /// <summary>Target embedding [11, Ht, Wt]: the source grid splatted by <paramref name="sourceDepth"/> [H, W] into the target camera, and the hole mask.</summary>
    public static Tensor Target(Tensor sourceDepth, Camera source, Camera target, SplatOptions? options = null) =>
        Target(sourceDepth.unsqueeze(0), [source], [target], options)[0];

    /// <summary>Batched target embeddings [N, 11, Ht, Wt] for depth [N, H, W] and per-item cameras.</summary>
    public static Tensor Target(Tensor sourceDepth, IReadOnlyList<Camera> sources, IReadOnlyList<Camera> targets, SplatOptions? options = null)
    {
        var n = sourceDepth.shape[0];
        var grid = Grid(sources[0].Height, sources[0].Width, sourceDepth.device).unsqueeze(0).expand(n, -1, -1, -1);
        using var splat = ForwardSplat.Warp(grid, sourceDepth, sources, targets, options);
        return cat([splat.Warped, splat.HoleMask.unsqueeze(1)], 1);
    }
}
