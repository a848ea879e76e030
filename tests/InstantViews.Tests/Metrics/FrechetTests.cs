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
}
