using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Fréchet distance between Gaussians fitted to two feature sets (FID's formula; here on ResNet-18 features).</summary>
public static class Frechet
{
    /// <summary>||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)), in double precision.</summary>
    public static double Distance(Tensor mean1, Tensor cov1, Tensor mean2, Tensor cov2)
    {
        using var scope = NewDisposeScope();
        var (m1, m2) = (mean1.to_type(ScalarType.Float64), mean2.to_type(ScalarType.Float64));
        var (s1, s2) = (cov1.to_type(ScalarType.Float64), cov2.to_type(ScalarType.Float64));
        var d = m1.sub(m2).square().sum().item<double>() + s1.trace().item<double>() + s2.trace().item<double>()
                - 2 * MatrixSqrt.TraceSqrtProduct(s1, s2);
        return Math.Max(d, 0);
    }

    public static double Distance(FeatureSet a, FeatureSet b) => Distance(a.Mean, a.Covariance, b.Mean, b.Covariance);
}
