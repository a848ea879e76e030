using InstantViews.Depth;
using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

public class EdgeAwareDepthTests
{
    public EdgeAwareDepthTests() => TestTorch.Init();

    [Fact]
    public void A_blurred_depth_step_snaps_to_the_photo_edge()
    {
        // The photo: dark left half, bright right half (edge between columns 31 and 32); the depth: 1 m left, 3 m
        // right, but known only on a coarse 8x grid and upsampled bilinearly, so its step is smeared over 8 pixels.
        var guide = full(3, 32, 64, -0.8f);
        guide[.., .., 32..] = tensor(0.8f);
        var truth = full(32, 64, 1f);
        truth[.., 32..] = tensor(3f);
        var coarse = nn.functional.interpolate(truth.log().view(1, 1, 32, 64), [4, 8], mode: InterpolationMode.Area);
        var blurred = nn.functional.interpolate(coarse, [32, 64], mode: InterpolationMode.Bilinear, align_corners: false)[0, 0];
        var bilateral = JointBilateralUpsampling.Apply(coarse[0, 0], guide);
        var before = (blurred.exp() - truth).abs().mean().item<float>();
        var afterBilateral = (bilateral.exp() - truth).abs().mean().item<float>();
        Assert.True(afterBilateral < 0.1 * before, $"mean error {before:0.000} m bilinear, {afterBilateral:0.000} m joint bilateral");
    }

    [Fact]
    public void Sources_at_the_photo_size_pass_unchanged_and_network_sources_are_filtered()
    {
        var rgb = rand(3, 30, 40) * 2 - 1;
        var atSize = new Fixed(full(30, 40, 2f), null);
        Assert.True(TensorAssert.Same(new EdgeAwareDepth(atSize).Estimate(rgb), full(30, 40, 2f)));
        var depth = rand(30, 40) + 1;
        var small = new EdgeAwareDepth(new Fixed(depth, 10));
        var filtered = small.Estimate(rgb);
        Assert.Equal([30L, 40], filtered.shape);
        Assert.False(TensorAssert.Same(filtered, depth));
        Assert.EndsWith("edge-aware upsampling", small.Description);
    }

    [Fact]
    public void The_raw_prefix_keeps_bilinear_upsampling()
    {
        using var dir = new TempDir();
        var path = dir.File("d.npy");
        InstantViews.Imaging.Npy.WriteFloat32(path, Enumerable.Repeat(2f, 12).ToArray(), 3, 4);
        Assert.IsNotType<EdgeAwareDepth>(DepthSource.Open(path));
        Assert.IsNotType<EdgeAwareDepth>(DepthSource.Open("raw:" + path));
        var shipped = BuiltinDepth.FindShipped();
        if (shipped is null) return;
        Assert.IsType<EdgeAwareDepth>(DepthSource.Open("builtin"));
        Assert.IsType<BuiltinDepth>(DepthSource.Open("raw:builtin"));
    }

    sealed class Fixed(Tensor depth, int? native) : IDepthEstimator
    {
        public string Description => "fixed";
        public int? NativeLongSide => native;
        public Tensor Estimate(Tensor rgb, Camera? camera = null) => depth.clone();
    }
}
