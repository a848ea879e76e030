using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Kernel Inception Distance's estimator (Binkowski et al. 2018), here on ResNet-18 features.</summary>
public static class Kid
{
    // Up to this many samples per side the full kernel matrices are computed once and subsets index into them.
    const long FullKernelLimit = 5000;

    /// <summary>
    /// Unbiased MMD^2 with the polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over <paramref name="subsets"/>
    /// random subsets of <paramref name="subsetSize"/> samples from each side (capped by the smaller set);
    /// returns the mean and the standard deviation over subsets. Double precision.
    /// </summary>
    public static (double Mean, double Std) Compute(Tensor x, Tensor y, int subsets = 100, int subsetSize = 1000, long seed = 0) =>
        Compute(x, y, subsets, subsetSize, seed, FullKernelLimit);

    /// <summary>The same with the size up to which full kernel matrices are used (tests compare both ways of summing).</summary>
    internal static (double Mean, double Std) Compute(Tensor x, Tensor y, int subsets, int subsetSize, long seed, long fullKernelLimit)
    {
        using var scope = NewDisposeScope();
        var (a, b) = (x.to_type(ScalarType.Float64), y.to_type(ScalarType.Float64));
        var d = a.shape[1];
        var m = (int)Math.Min(subsetSize, Math.Min(a.shape[0], b.shape[0]));
        if (m < 2) throw new ArgumentException("KID needs at least 2 samples on each side");
        Tensor K(Tensor p, Tensor q) => p.matmul(q.t()).div(d).add(1).pow(3);
        var full = a.shape[0] <= fullKernelLimit && b.shape[0] <= fullKernelLimit;
        var (kaa, kbb, kab) = full ? (K(a, a), K(b, b), K(a, b)) : (null, null, null);
        var gen = new Generator((ulong)seed);
        var values = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            using var inner = NewDisposeScope();
            var ia = randperm(a.shape[0], generator: gen)[..m];
            var ib = randperm(b.shape[0], generator: gen)[..m];
            double sxx, syy, sxy, trx, try_;
            if (full)
            {
                // Sums over a subset's block are u^T K v with 0/1 indicator vectors: three mat-vecs, no copies.
                var (u, v) = (Indicator(ia, a.shape[0]), Indicator(ib, b.shape[0]));
                (sxx, syy, sxy) = (Quad(u, kaa!, u), Quad(v, kbb!, v), Quad(u, kab!, v));
                (trx, try_) = (kaa!.diagonal().index_select(0, ia).sum().item<double>(), kbb!.diagonal().index_select(0, ib).sum().item<double>());
            }
            else
            {
                var (kxx, kyy, kxy) = (K(a[ia], a[ia]), K(b[ib], b[ib]), K(a[ia], b[ib]));
                (sxx, syy, sxy) = (kxx.sum().item<double>(), kyy.sum().item<double>(), kxy.sum().item<double>());
                (trx, try_) = (kxx.trace().item<double>(), kyy.trace().item<double>());
            }
            // Unbiased: drop the diagonal of the within-set kernels.
            values[s] = (sxx - trx + syy - try_) / (m * (m - 1.0)) - 2 * sxy / ((double)m * m);
        }
        var mean = values.Average();
        var std = Math.Sqrt(values.Select(v => Math.Pow(v - mean, 2)).Sum() / Math.Max(subsets - 1, 1));
        return (mean, std);
    }

    static Tensor Indicator(Tensor index, long n) => zeros(n, dtype: ScalarType.Float64).index_fill_(0, index, 1);
    static double Quad(Tensor u, Tensor k, Tensor v) => u.dot(k.mv(v)).item<double>();
}
