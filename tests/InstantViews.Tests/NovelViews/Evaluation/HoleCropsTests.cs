using InstantViews.Metrics;
using InstantViews.NovelViews.Evaluation;
using static TorchSharp.torch;

namespace InstantViews.Tests.NovelViews.Evaluation;

[Collection("global-rng")]
public class HoleCropsTests
{
    [Fact]
    public void Windows_take_the_most_holes_first_centre_a_small_hole_and_stop_when_none_is_left()
    {
        TestTorch.Init();
        var holes = zeros(20, 30);
        holes[TensorIndex.Slice(10, 14), TensorIndex.Slice(20, 24)] = 1; // 16 pixels
        holes[TensorIndex.Slice(2, 4), TensorIndex.Slice(2, 4)] = 1;     // 4 pixels
        // 6-px windows holding the whole 4x4 hole: y 8..10, x 18..20 (9 of them); the middle one is (9, 19).
        // It clears the holes in y 6..17, x 16..27; the 2x2 hole is then whole in y 0..2, x 0..2, middle (1, 1).
        Assert.Equal([(9, 19), (1, 1)], HoleCrops.Windows(holes, 3, 6));
        Assert.Equal([(9, 19)], HoleCrops.Windows(holes, 1, 6));
        Assert.Empty(HoleCrops.Windows(zeros(20, 30), 3, 6));
        // A window larger than the mask is clipped to its short side: of the 20x20 windows, x 4..10 hold the 16 pixels
        // of the larger hole (none holds both); the middle is x 7.
        Assert.Equal([(0, 7)], HoleCrops.Windows(holes, 1, 64));
    }

    [Fact]
    public void Tile_puts_each_window_of_each_column_in_its_cell_with_white_gaps()
    {
        TestTorch.Init();
        var a = arange(3 * 6 * 8, dtype: ScalarType.Float32).view(3, 6, 8) / 200;
        var b = -a;
        var montage = HoleCrops.Tile([a, b], [(0, 0), (3, 5)], 3, 1);
        Assert.Equal(new long[] { 3, 7, 7 }, montage.shape);
        Assert.True(montage[TensorIndex.Colon, TensorIndex.Slice(0, 3), TensorIndex.Slice(0, 3)].eq(a[TensorIndex.Colon, TensorIndex.Slice(0, 3), TensorIndex.Slice(0, 3)]).all().item<bool>());
        Assert.True(montage[TensorIndex.Colon, TensorIndex.Slice(0, 3), TensorIndex.Slice(4, 7)].eq(b[TensorIndex.Colon, TensorIndex.Slice(0, 3), TensorIndex.Slice(0, 3)]).all().item<bool>());
        Assert.True(montage[TensorIndex.Colon, TensorIndex.Slice(4, 7), TensorIndex.Slice(4, 7)].eq(b[TensorIndex.Colon, TensorIndex.Slice(3, 6), TensorIndex.Slice(5, 8)]).all().item<bool>());
        Assert.Equal(1f, montage[TensorIndex.Colon, 3].min().item<float>());
        Assert.Equal(1f, montage[TensorIndex.Colon, TensorIndex.Colon, 3].min().item<float>());
    }

    /// <summary>The stereo benchmark's plane 8 px of disparity away: the right view's last 8 columns are its only holes.</summary>
    [Fact]
    public void The_montage_shows_each_true_depth_fill_and_the_truth_at_the_hole_window()
    {
        TestTorch.Init();
        var pair = StereoBenchmarkTests.Plane();
        var right = pair.Right;
        using var net = new ResNet18Features();
        var seen = new List<string>();
        using var crops = new HoleCrops(count: 2, side: 16);
        var result = StereoBenchmark.Run(pair, [], [StereoFill.Grey, StereoFill.Harmonic], new PerceptualDistance(net), new StereoSettings(PerceptualSize: 64), crops.Saver((name, _) => seen.Add(name)));
        Assert.Equal(["true-grey", "true-harmonic"], seen);
        Assert.Equal(["grey", "harmonic"], crops.Fills);
        using var montage = crops.Montage(right, result.Covisible!);
        // One window: the 16-px windows at x 48 hold 16 x 8 hole pixels for every y of 0..16; the middle of the 17 is
        // y 8; it clears every hole.
        Assert.Equal(new long[] { 3, 16, 3 * 16 + 2 * HoleCrops.Gap }, montage.shape);
        var truth = right[TensorIndex.Colon, TensorIndex.Slice(8, 24), TensorIndex.Slice(48, StereoBenchmarkTests.W)];
        Assert.True(montage[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(40, 56)].eq(truth).all().item<bool>());
        // The grey fill is the warp itself: the window's last 8 columns are the holes, grey (0).
        Assert.Equal(0f, montage[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(8, 16)].abs().max().item<float>(), 3);
        Assert.True(montage[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 8)].sub(truth[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 8)]).abs().max().item<float>() < 1e-4);
    }
}
