using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// A depth estimate against a stereo pair's truth where it is known: AbsRel and delta &lt; 1.25 as estimated (raw) and
/// after median scaling, the correlation of the estimate's inverse depth with the true disparity (blind to scale and
/// offset), and the seconds the estimate took.
/// </summary>
public sealed record StereoDepthScore(string Depth, double AbsRel, double Delta, double Correlation, double Seconds, double AbsRelRaw = double.NaN, double DeltaRaw = double.NaN)
{
    public static StereoDepthScore Of(string name, Tensor estimate, Tensor trueDepth, Tensor disparity, double seconds = 0)
    {
        using var scope = NewDisposeScope();
        var valid = trueDepth.isfinite().logical_and(disparity.isfinite()).logical_and(estimate.isfinite()).logical_and(estimate.gt(0));
        var (e, t, d) = (estimate.masked_select(valid).to_type(ScalarType.Float64), trueDepth.masked_select(valid).to_type(ScalarType.Float64), disparity.masked_select(valid).to_type(ScalarType.Float64));
        if (e.numel() < 2) throw new ArgumentException($"depth '{name}': fewer than two pixels where the truth is known");
        static (double AbsRel, double Delta) Scores(Tensor p, Tensor t) =>
            ((p - t).abs().div(t).mean().item<double>(), maximum(p / t, t / p).lt(1.25).to_type(ScalarType.Float64).mean().item<double>());
        var (absRel, delta) = Scores(e * (t.median() / e.median()), t);
        var (absRelRaw, deltaRaw) = Scores(e, t);
        var inv = e.reciprocal();
        var (a, b) = (inv - inv.mean(), d - d.mean());
        var correlation = (a * b).sum().div(a.square().sum().sqrt() * b.square().sum().sqrt()).item<double>();
        return new StereoDepthScore(name, absRel, delta, correlation, seconds, absRelRaw, deltaRaw);
    }
}
