using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>Standard monocular depth metrics over a set of views: AbsRel = mean |p - g| / g and delta1 = share of pixels with max(p/g, g/p) &lt; 1.25.</summary>
public sealed record DepthScores(double AbsRel, double Delta1, long Pixels)
{
    /// <summary>Scores of predictions against ground truth (valid ground truth only), accumulated over images.</summary>
    public static DepthScores Of(IEnumerable<(Tensor Pred, Tensor Gt)> pairs)
    {
        double absRel = 0, delta = 0;
        long n = 0;
        foreach (var (pred, gt) in pairs)
        {
            using var scope = NewDisposeScope();
            var valid = gt.gt(0).logical_and(gt.isfinite());
            var p = pred.masked_select(valid).to_type(ScalarType.Float64).clamp_min(1e-6);
            var g = gt.masked_select(valid).to_type(ScalarType.Float64);
            absRel += ((p - g).abs() / g).sum().item<double>();
            delta += maximum(p / g, g / p).lt(1.25).sum().item<long>();
            n += g.numel();
        }
        return n == 0 ? new(double.NaN, double.NaN, 0) : new(absRel / n, delta / n, n);
    }
}
