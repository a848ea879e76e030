using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.Tests.Metrics;

public class FrechetTests
{
    static FrechetTests() => TestTorch.Init();

    [Fact]
    public void Matrix_sqrt_of_a_known_spd_matrix()
    {
        using var scope = NewDisposeScope();
        // B = Q diag(1, 2, 3) Q^T is SPD with a known root; its square A = B B.
        var q = linalg.qr(tensor(new double[] { 1, 2, 0, 0, 1, 1, 1, 0, 1 }, [3, 3])).Q;
        var b = q.matmul(diag(tensor(new double[] { 1, 2, 3 }))).matmul(q.t());
        var root = MatrixSqrt.Spd(b.matmul(b));
        Assert.True(root.sub(b).abs().max().item<double>() < 1e-10);
        Assert.Equal(2.0, MatrixSqrt.Spd(tensor(new double[] { 4, 0, 0, 9 }, [2, 2]))[0, 0].item<double>(), 12);
    }

    [Fact]
    public void Fd_of_a_set_with_itself_is_0_and_fd_is_symmetric()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var a = new FeatureSet(randn(400, 16));
        var b = new FeatureSet(randn(400, 16).mul(1.3).add(0.2));
        Assert.True(Frechet.Distance(a, a) < 1e-8);
        Assert.Equal(Frechet.Distance(a, b), Frechet.Distance(b, a), 9);
        Assert.True(Frechet.Distance(a, b) > 0.5);
    }

    [Fact]
    public void Fd_grows_monotonically_with_noise_and_blur()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        var x = randn(600, 32).cumsum(1).div(4); // correlated features, like a smooth signal
        var noise = randn(600, 32);
        var ref0 = new FeatureSet(x);
        var last = 0.0;
        foreach (var level in new[] { 0.1, 0.3, 0.6, 1.0 })
        {
            var fd = Frechet.Distance(ref0, new FeatureSet(x.add(noise.mul(level))));
            Assert.True(fd > last, $"noise {level}: FD {fd} not above {last}");
            last = fd;
        }
        last = 0;
        var blurred = x;
        for (int k = 0; k < 3; k++)
        {
            // A [1 2 1]/4 blur along the feature axis, applied repeatedly.
            blurred = nn.functional.conv1d(blurred.unsqueeze(1), tensor(new float[] { 0.25f, 0.5f, 0.25f }, [1, 1, 3]), padding: 1).squeeze(1);
            var fd = Frechet.Distance(ref0, new FeatureSet(blurred));
            Assert.True(fd > last, $"blur {k + 1}: FD {fd} not above {last}");
            last = fd;
        }
    }

    [Fact]
    public void Kid_is_near_0_for_two_halves_of_one_distribution()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        var x = randn(800, 16);
        var (same, _) = Kid.Compute(x[..400], x[400..], subsets: 20, subsetSize: 200);
        var (shifted, _) = Kid.Compute(x[..400], x[400..].add(0.5), subsets: 20, subsetSize: 200);
        Assert.True(Math.Abs(same) < 0.01, $"KID {same}");
        Assert.True(shifted > 10 * Math.Abs(same) && shifted > 0.05, $"KID shifted {shifted} vs same {same}");
    }

    [Fact]
    public void Feature_cache_round_trips()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var a = new FeatureSet(randn(10, 4));
        a.Save(dir.File("ref.safetensors"), "test");
        var (b, source) = FeatureSet.Load(dir.File("ref.safetensors"));
        Assert.Equal("test", source);
        Assert.Equal(10, b.Count);
        Assert.True(Frechet.Distance(a, b) < 1e-10);
    }

    [Fact]
    public void Fd_of_diagonal_gaussians_is_the_closed_form()
    {
        using var scope = NewDisposeScope();
        // ||mu1 - mu2||^2 + sum (sqrt(s1) - sqrt(s2))^2 for diagonal covariances: 1 + 4 + (1 - 2)^2 + (2 - 3)^2 = 7.
        var fd = Frechet.Distance(tensor(new[] { 0.0, 0.0 }), diag(tensor(new[] { 1.0, 4.0 })), tensor(new[] { 1.0, 2.0 }), diag(tensor(new[] { 4.0, 9.0 })));
        Assert.Equal(7.0, fd, 9);
        // Equal means: only the covariance term, (3 - 1)^2 = 4.
        Assert.Equal(4.0, Frechet.Distance(tensor(new[] { 0.5 }), tensor(new[,] { { 1.0 } }), tensor(new[] { 0.5 }), tensor(new[,] { { 9.0 } })), 9);
    }

    /// <summary>The unbiased MMD^2 of two equal-size sets with k(x, y) = (x.y / d + 1)^3, written out as loops.</summary>
    static double Mmd(double[][] x, double[][] y)
    {
        var d = x[0].Length;
        double K(double[] p, double[] q) => Math.Pow(p.Zip(q, (u, v) => u * v).Sum() / d + 1, 3);
        var m = x.Length;
        double within = 0, across = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                if (i != j) within += K(x[i], x[j]) + K(y[i], y[j]);
                across += K(x[i], y[j]);
            }
        return within / (m * (m - 1.0)) - 2 * across / (m * (double)m);
    }

    static double[][] Rows(Tensor t) => Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].data<double>().ToArray()).ToArray();

    [Fact]
    public void Kid_on_whole_sets_is_the_unbiased_mmd_written_out()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[,] { { 0.5, -1.0 }, { 1.5, 0.25 }, { -0.75, 2.0 } });
        var y = tensor(new[,] { { 1.0, 1.0 }, { -2.0, 0.5 }, { 0.0, -1.5 } });
        // Subsets of the whole set (the size is capped at 3) only reorder it: every subset gives the same value.
        var (mean, std) = Kid.Compute(x, y, subsets: 4, subsetSize: 1000);
        Assert.Equal(Mmd(Rows(x), Rows(y)), mean, 10);
        Assert.Equal(0, std, 10);
        Assert.Contains("at least 2 samples", Assert.Throws<ArgumentException>(() => Kid.Compute(x[..1], y, subsets: 1)).Message);
        // Two samples a side is enough.
        Assert.Equal(Mmd(Rows(x[..2]), Rows(y[..2])), Kid.Compute(x[..2], y[..2], subsets: 1).Mean, 10);
    }

    [Fact]
    public void Kid_averages_random_subsets_and_reports_their_sample_standard_deviation()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(3);
        var x = randn([6, 3], dtype: ScalarType.Float64, generator: g);
        var y = randn([5, 3], dtype: ScalarType.Float64, generator: g).add(0.3);
        var (mean, std) = Kid.Compute(x, y, subsets: 5, subsetSize: 3, seed: 9);
        // The same subsets, drawn as the estimator draws them: x's permutation, then y's, per subset.
        var gen = new TorchSharp.torch.Generator(9);
        var values = Enumerable.Range(0, 5).Select(_ =>
        {
            var ia = randperm(6, generator: gen)[..3];
            var ib = randperm(5, generator: gen)[..3];
            return Mmd(Rows(x[ia]), Rows(y[ib]));
        }).ToArray();
        var expectedMean = values.Average();
        Assert.Equal(expectedMean, mean, 10);
        Assert.Equal(Math.Sqrt(values.Sum(v => (v - expectedMean) * (v - expectedMean)) / 4), std, 10);
        Assert.True(std > 1e-6, "the subsets differ");
        // Summing over per-subset kernels (sets beyond the full-kernel limit) gives the same numbers.
        var (subsetMean, subsetStd) = Kid.Compute(x, y, 5, 3, 9, fullKernelLimit: 0);
        Assert.Equal(mean, subsetMean, 10);
        Assert.Equal(std, subsetStd, 10);
    }
}
