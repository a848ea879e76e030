using InstantViews.Depth;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

public class DepthSharpeningTests
{
    public DepthSharpeningTests() => TestTorch.Init();

    /// <summary>Depth [16, 32] whose inverse rises linearly from 0.5 to 1 across the columns (g = 1/31 per pixel, normalised).</summary>
    static Tensor Ramp() => (1 / (0.5f + 0.5f * arange(32, dtype: ScalarType.Float32) / 31)).view(1, 32).expand(16, 32).contiguous();

    [Fact]
    public void The_edge_strength_of_a_ramp_is_sqrt2_times_its_slope_and_half_that_at_the_replicated_border()
    {
        var strength = DepthSharpening.EdgeStrength(Ramp());
        var g = 1.0 / 31;
        Assert.Equal(Math.Sqrt(2) * g, strength[8, 10].item<float>(), 5);
        Assert.Equal(g / Math.Sqrt(2), strength[8, 0].item<float>(), 5);
        Assert.Equal(g / Math.Sqrt(2), strength[8, 31].item<float>(), 5);
        Assert.Equal(0, DepthSharpening.EdgeStrength(full(8, 8, 2f)).abs().max().item<float>());
    }

    [Fact]
    public void A_ramp_under_the_threshold_is_kept_and_over_it_gives_way_to_the_nearest_flat_pixel()
    {
        var ramp = Ramp();
        var g = 1.0 / 31;
        Assert.True(TensorAssert.Same(DepthSharpening.Sharpen(ramp, Math.Sqrt(2) * g + 1e-3), ramp));
        // Interior columns are edges, the two border columns are not: the left half takes column 0's depth, the right
        // half column 31's (city-block distance; column 15 is nearer the left, 16 the right).
        var sharp = DepthSharpening.Sharpen(ramp, Math.Sqrt(2) * g - 1e-3);
        Assert.True(TensorAssert.Same(sharp[.., ..16], ramp[.., ..1].expand(16, 16)));
        Assert.True(TensorAssert.Same(sharp[.., 16..], ramp[.., 31..].expand(16, 16)));
    }

    [Fact]
    public void A_blurred_step_keeps_no_depth_between_its_two_sides()
    {
        // Inverse depth 0.5 (2 m) on the left, 0.25 (4 m) on the right, a linear transition over four columns.
        var inv = new float[40];
        for (int x = 0; x < 40; x++) inv[x] = x < 18 ? 0.5f : x > 21 ? 0.25f : 0.5f - 0.25f * (x - 17) / 5;
        var depth = (1 / tensor(inv)).view(1, 40).expand(12, 40).contiguous();
        var sharp = DepthSharpening.Sharpen(depth);
        var between = sharp.gt(2.0001f) & sharp.lt(3.9999f);
        Assert.False(between.any().item<bool>(), "a value between the two sides is a flying pixel");
        // Away from the step nothing changes.
        Assert.True(TensorAssert.Same(sharp[.., ..15], depth[.., ..15]) && TensorAssert.Same(sharp[.., 25..], depth[.., 25..]));
    }
}
