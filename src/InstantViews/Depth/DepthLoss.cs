using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Loss on log-depth residuals d = log(pred) - log(gt) over valid pixels: mean |d| (metric accuracy) plus
/// w * (mean d^2 - mean(d)^2) per image (Eigen et al.'s scale-invariant term: the shape of the depth map,
/// whatever its global scale).
/// </summary>
public static class DepthLoss
{
    public static Tensor Compute(Tensor predLog, Tensor gtDepth, double scaleInvariantWeight)
    {
        var known = gtDepth.gt(0).logical_and(gtDepth.isfinite());
        var valid = known.to_type(ScalarType.Float32);
        // Unknown depth (0, inf, NaN) is replaced before the log, so it cannot turn the masked sum into NaN.
        var d = (predLog - where(known, gtDepth, 1).clamp_min(1e-3).log()) * valid;
        var n = valid.sum([1, 2]).clamp_min(1);
        var l1 = (d.abs().sum([1, 2]) / n).mean();
        var mean = d.sum([1, 2]) / n;
        var variance = (d.square().sum([1, 2]) / n - mean.square()).mean();
        return l1 + scaleInvariantWeight * variance;
    }
}
