using InstantViews.GenWarp;
using InstantViews.Metrics;
using InstantViews.NovelViews.Evaluation;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class WarpBackPairsTests
{
    public WarpBackPairsTests() => TestTorch.Init();

    /// <summary>Two photos: a wall at 4 m with a box at 2 m in front, and a plain wall at 3 m.</summary>
    static WarpBackPairs Pairs(long seed, WarpBackSettings? settings = null)
    {
        var g = new Generator(21);
        var boxed = full(96, 128, 4f);
        boxed[30..70, 40..90] = tensor(2f);
        var photos = new List<(string, Tensor, Tensor)>
        {
            ("boxed", rand(new long[] { 3, 96, 128 }, generator: g) * 2 - 1, boxed),
            ("wall", rand(new long[] { 3, 96, 128 }, generator: g) * 2 - 1, full(96, 128, 3f)),
        };
        return new WarpBackPairs(photos, settings ?? new WarpBackSettings(Size: 48, MinCrop: 0.5), seed);
    }

    [Fact]
    public void A_pair_depends_only_on_the_seed_and_its_index_and_keeps_its_holes_in_the_window()
    {
        using var a = Pairs(7);
        using var b = Pairs(7);
        var (photo, first) = a.Pair(3);
        var (again, second) = b.Pair(3);
        Assert.Equal(photo, again);
        Assert.True(TensorAssert.Same(first.Source, second.Source) && TensorAssert.Same(first.Target, second.Target));
        Assert.Equal(first.SourceCamera, second.SourceCamera);
        Assert.Equal(new long[] { 3, 48, 48 }, first.Target.shape);
        var names = new HashSet<string>();
        for (int i = 0; i < 12; i++)
        {
            var (name, pair) = a.Pair(i);
            names.Add(name);
            Assert.InRange(WarpBackPairs.HoleShare(pair), 0.005, 0.35);
        }
        Assert.Equal(2, names.Count);
    }

    [Fact]
    public void As_a_stereo_pair_a_wall_sees_all_but_its_edge_strip_and_the_classical_fills_score_the_holes()
    {
        // Only the plain wall: every pair is a plane stepped sideways, so the view sees all but a strip of its disparity.
        // A smooth photo (colour ramps), which a harmonic fill continues into the holes.
        var x = linspace(-1, 1, 128).view(1, 128).expand(96, 128);
        var y = linspace(-0.8, 0.8, 96).view(96, 1).expand(96, 128);
        var smooth = stack([x, y, (x + y) / 2]).contiguous();
        using var pairs = new WarpBackPairs([("wall", smooth, full(96, 128, 3f))],
            new WarpBackSettings(Size: 48, MinCrop: 0.5), 5);
        var (_, pair) = pairs.Pair(0);
        var inputs = WarpBackBenchmark.Inputs(pair);
        var disparity = inputs.Disparity.mean().item<float>();
        Assert.Equal(pair.SourceCamera.Fx * (pair.SourceCamera.Position - pair.TargetCamera.Position).Length / 3, disparity, 3);
        Assert.True(TensorAssert.Same(inputs.TrueDepth(), pair.SourceDepth) || (inputs.TrueDepth() - pair.SourceDepth).abs().max().item<float>() < 1e-4);
        using var net = new ResNet18Features();
        var result = WarpBackBenchmark.Run(pairs, 1, [StereoFill.Grey, StereoFill.Harmonic], new PerceptualDistance(net));
        Assert.InRange(result.CovisibleFraction, 1 - (disparity + 1) / 48, 1 - (disparity - 1) / 48);
        var (grey, harmonic) = (result.Rows[0], result.Rows[1]);
        Assert.Equal(("warp-back", "grey", "harmonic"), (grey.Depth, grey.Fill, harmonic.Fill));
        // Where the source sees, the round trip of a plane gives the photo back; in the holes the fill beats grey.
        Assert.True(harmonic.PsnrCovisible > 25, $"covisible {harmonic.PsnrCovisible:0.0} dB");
        Assert.True(harmonic.PsnrOccluded > grey.PsnrOccluded, $"{harmonic.PsnrOccluded:0.0} vs {grey.PsnrOccluded:0.0} dB");
    }
}
