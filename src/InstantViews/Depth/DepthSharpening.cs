using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Depth with its edges made sharp, so that a warp tears at an object's outline instead of stretching pixels across it
/// ("flying pixels"; the disparity processing of AdaMPI's warp-back data, Han et al. 2022): the inverse depth is min-max
/// normalised to [0, 1], its Sobel gradient magnitude taken as scikit-image defines it (the root mean square of the two
/// directions, each a [1, 2, 1]/4-smoothed central difference: a ramp rising g per pixel has magnitude sqrt(2) g), and
/// every pixel above the threshold takes the depth of the nearest pixel below it (<see cref="HoleFill.Nearest"/>).
/// </summary>
public static class DepthSharpening
{
    /// <summary>AdaMPI's threshold on its [0, 1] disparity; to be tuned on validation photos for other depth sources.</summary>
    public const double DefaultThreshold = 0.03;

    /// <summary>The gradient magnitude [H,W] of the normalised inverse depth of <paramref name="depth"/> [H,W] (edges replicated).</summary>
    public static Tensor EdgeStrength(Tensor depth)
    {
        using var scope = NewDisposeScope();
        var inv = 1 / depth.to_type(ScalarType.Float32);
        var (lo, hi) = (inv.min().item<float>(), inv.max().item<float>());
        if (!(hi > lo)) return zeros_like(inv).MoveToOuterDisposeScope();
        var n = ((inv - lo) / (hi - lo)).unsqueeze(0).unsqueeze(0);
        var padded = nn.functional.pad(n, [1, 1, 1, 1], TorchSharp.PaddingModes.Replicate);
        var kx = tensor(new float[] { 1, 0, -1, 2, 0, -2, 1, 0, -1 }, [1, 1, 3, 3], device: depth.device) / 4;
        var gx = nn.functional.conv2d(padded, kx);
        var gy = nn.functional.conv2d(padded, kx.transpose(2, 3));
        return ((gx.square() + gy.square()) / 2).sqrt()[0, 0].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="depth"/> [H,W] (metres, validated) with every pixel whose <see cref="EdgeStrength"/> exceeds
    /// <paramref name="threshold"/> replaced by the depth of the nearest pixel that does not; unchanged when no pixel (or
    /// every pixel) is an edge.
    /// </summary>
    public static Tensor Sharpen(Tensor depth, double threshold = DefaultThreshold)
    {
        DepthValidation.Require(depth, (int)depth.shape[^2], (int)depth.shape[^1], "depth to sharpen");
        using var scope = NewDisposeScope();
        var edges = EdgeStrength(depth).gt(threshold);
        var count = edges.sum().item<long>();
        if (count == 0 || count == edges.numel()) return depth.clone().MoveToOuterDisposeScope();
        return HoleFill.Nearest(depth.to_type(ScalarType.Float32).unsqueeze(0), edges)[0].MoveToOuterDisposeScope();
    }
}
