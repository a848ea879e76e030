using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Kernel Inception Distance's estimator (Binkowski et al. 2018), here on ResNet-18 features.</summary>
public static class Kid
{
    /// <summary>
    /// Unbiased MMD^2 with the polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over <paramref name="subsets"/>
    /// random subsets of <paramref name="subsetSize"/> samples from each side (capped by the smaller set);
    /// returns the mean and the standard deviation over subsets.
    /// </summary>
    public static (double Mean, double Std) Compute(Tensor x, Tensor y, int subsets = 100, int subsetSize = 1000, long seed = 0)
    {
        using var scope = NewDisposeScope();
        var (a, b) = (x.to_type(ScalarType.Float64), y.to_type(ScalarType.Float64));
        var d = a.shape[1];
        var m = (int)Math.Min(subsetSize, Math.Min(a.shape[0], b.shape[0]));
        if (m < 2) throw new ArgumentException("KID needs at least 2 samples on each side");
        var gen = new Generator((ulong)seed);
        var values = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            using var inner = NewDisposeScope();
            var xs = a[randperm(a.shape[0], generator: gen)[..m]];
            var ys = b[randperm(b.shape[0], generator: gen)[..m]];
            Tensor K(Tensor p, Tensor q) => p.matmul(q.t()).div(d).add(1).pow(3);
            var (kxx, kyy, kxy) = (K(xs, xs), K(ys, ys), K(xs, ys));
            // Unbiased: drop the diagonal of the within-set kernels.
            var within = kxx.sum().sub(kxx.trace()).add(kyy.sum()).sub(kyy.trace()).item<double>() / (m * (m - 1.0));
            values[s] = within - 2 * kxy.mean().item<double>();
        }
        var mean = values.Average();
        var std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / Math.Max(subsets - 1, 1));
        return (mean, std);
    }
}
