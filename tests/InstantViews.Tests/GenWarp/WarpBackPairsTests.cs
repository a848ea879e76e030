using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Metrics;
using InstantViews.NovelViews.Evaluation;
using InstantViews.Scenes;
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

    [Fact]
    public void An_occluder_is_a_blob_of_the_texture_inside_the_frame_nearer_than_all_it_covers()
    {
        var g = new Generator(4);
        var (rgb, texture) = (rand(new long[] { 3, 48, 48 }, generator: g) * 2 - 1, rand(new long[] { 3, 48, 48 }, generator: g) * 2 - 1);
        var depth = rand(new long[] { 48, 48 }, generator: g) * 2 + 3; // 3 to 5 m
        for (int seed = 0; seed < 8; seed++)
        {
            var (pasted, pastedDepth, mask) = WarpBackOccluder.Paste(rgb, depth, texture, new SceneRandom(seed));
            var area = mask.sum().item<long>();
            // A base radius of 0.08 to 0.22 of the side, bent by at most 36 %: about 0.8 % to 28 % of the crop.
            Assert.InRange(area, (long)(Math.PI * Math.Pow(0.08 * 48 * 0.64, 2)), (long)(Math.PI * Math.Pow(0.22 * 48 * 1.36, 2)) + 1);
            // Two pixels clear of every edge.
            Assert.False(mask[..2].any().item<bool>() || mask[^2..].any().item<bool>() || mask[.., ..2].any().item<bool>() || mask[.., ^2..].any().item<bool>());
            // The texture inside, the photo outside; one depth inside, a share 0.4 to 0.75 of the nearest it covers.
            var inside = mask.unsqueeze(0).expand(3, 48, 48);
            Assert.True(pasted.masked_select(inside).eq(texture.masked_select(inside)).all().item<bool>());
            Assert.True(pasted.masked_select(inside.logical_not()).eq(rgb.masked_select(inside.logical_not())).all().item<bool>());
            var near = pastedDepth.masked_select(mask);
            Assert.Equal(near.min().item<float>(), near.max().item<float>());
            Assert.InRange(near[0].item<float>() / depth.masked_select(mask).min().item<float>(), 0.4 - 1e-6, 0.75 + 1e-6);
            Assert.True(pastedDepth.masked_select(mask.logical_not()).eq(depth.masked_select(mask.logical_not())).all().item<bool>());
            // The same generator state, the same occluder.
            Assert.True(WarpBackOccluder.Paste(rgb, depth, texture, new SceneRandom(seed)).Mask.eq(mask).all().item<bool>());
        }
    }

    [Fact]
    public void Pairs_with_occluders_have_holes_enclosed_by_seen_pixels_where_plain_walls_have_none()
    {
        // Plain walls stepped sideways leave only the strip at the frame's edge; an occluder in front leaves holes beside it.
        var g = new Generator(8);
        List<(string, Tensor, Tensor)> Walls() => [("a", rand(new long[] { 3, 96, 128 }, generator: g) * 2 - 1, full(96, 128, 3f)),
            ("b", rand(new long[] { 3, 96, 128 }, generator: g) * 2 - 1, full(96, 128, 4f))];
        var photos = Walls();
        using var plain = new WarpBackPairs(photos, new WarpBackSettings(Size: 48, MinCrop: 0.5), 3);
        using var occluded = new WarpBackPairs(photos, new WarpBackSettings(Size: 48, MinCrop: 0.5, Occluders: 1), 3);
        static double Enclosed(WarpBackPair pair)
        {
            using var back = ForwardSplat.Warp(pair.Source, pair.SourceDepth, pair.SourceCamera, pair.TargetCamera);
            return StereoBenchmark.EnclosedShare(back.HoleMask);
        }
        var shares = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var (_, p) = plain.Pair(i);
            Assert.Equal(0, Enclosed(p));
            var (_, o) = occluded.Pair(i);
            shares.Add(Enclosed(o));
            // Where the source sees, the round trip gives the composite back, it being one consistent scene: up to the
            // resampling of a noise texture (a mean of about 0.07 here, as for the plain walls); a texture out of place
            // would differ by about 2/3 on average.
            var inputs = WarpBackBenchmark.Inputs(o);
            var (_, covisible, _) = StereoBenchmark.TrueWarp(inputs);
            using var back = ForwardSplat.Warp(o.Source, o.SourceDepth, o.SourceCamera, o.TargetCamera);
            var seen = covisible.gt(0.5f).unsqueeze(0).expand(3, 48, 48);
            var error = (back.Warped - o.Target).abs().masked_select(seen).mean().item<float>();
            Assert.True(error < 0.15, $"pair {i}: mean difference {error:0.000} where the source sees");
        }
        // A blob near the frame's edge can join its holes to the edge's strip; most pairs have enclosed holes.
        var said = string.Join(" ", shares.Select(s => s.ToString("0.000")));
        Assert.True(shares.Count(s => s > 0) >= 4 && shares.Average() > 0.1, $"shares of the holes enclosed: {said}");
    }
}
