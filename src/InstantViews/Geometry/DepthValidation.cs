using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Geometry;

/// <summary>Depth maps must match their image and be finite and positive: anything else is a one-line error.</summary>
public static class DepthValidation
{
    /// <summary>Checks depth [H, W] (or [N, H, W] with <paramref name="batch"/>) against the expected size; <paramref name="what"/> names it.</summary>
    public static void Require(Tensor depth, int height, int width, string what, long? batch = null)
    {
        var expected = batch is { } n ? new[] { n, height, width } : new long[] { height, width };
        if (!depth.shape.SequenceEqual(expected))
            throw new UserError($"{what}: depth is [{string.Join(", ", depth.shape)}], expected [{string.Join(", ", expected)}] to match the image");
        using var scope = NewDisposeScope();
        var d = depth.detach().to_type(ScalarType.Float32);
        // One pass and one sync for a good map (every warp checks its depth); counts only to name a bad one.
        if (d.gt(0).logical_and(d.isfinite()).all().item<bool>()) return;
        var nan = d.isnan().sum().item<long>();
        if (nan > 0) throw new UserError($"{what}: depth has {nan} NaN values");
        var inf = d.isinf().sum().item<long>();
        if (inf > 0) throw new UserError($"{what}: depth has {inf} infinite values");
        var bad = d.le(0).sum().item<long>();
        if (bad > 0) throw new UserError($"{what}: depth has {bad} values <= 0 (depth must be positive metres)");
    }
}
