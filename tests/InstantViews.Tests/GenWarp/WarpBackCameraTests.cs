using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class WarpBackCameraTests
{
    public WarpBackCameraTests() => TestTorch.Init();

    static readonly Camera Cam = Camera.FromFov(96, 64, 60);

    static Tensor Photo() => rand(new long[] { 3, 64, 96 }, generator: new Generator(9)) * 2 - 1;

    /// <summary>Columns of row <paramref name="y"/> that are holes after warping the pair's source back.</summary>
    static int[] HoleColumns(WarpBackPair pair, int y)
    {
        var holes = pair.Inputs.Batch().HoleMask[0, 0, y];
        return Enumerable.Range(0, 96).Where(x => holes[x].item<float>() > 0.5f).ToArray();
    }

    [Fact]
    public void A_sideways_step_moves_the_nearest_points_by_the_drawn_fraction_of_the_width_with_both_signs()
    {
        var depth = full(64, 96, 3f);
        var fractions = Enumerable.Range(0, 64).Select(i =>
        {
            var moved = WarpBackCamera.Stereo(Cam, depth, new SceneRandom(i, 5), 0.12);
            Assert.Equal(Mat3.Identity, moved.R);
            return moved.Position.X * Cam.Fx / (3 * 96);
        }).ToList();
        Assert.All(fractions, f => Assert.InRange(Math.Abs(f), 0.06 - 1e-9, 0.12 + 1e-9));
        Assert.Contains(fractions, f => f > 0);
        Assert.Contains(fractions, f => f < 0);
        Assert.Equal(WarpBackCamera.Stereo(Cam, depth, new SceneRandom(3, 5)), WarpBackCamera.Stereo(Cam, depth, new SceneRandom(3, 5)));
    }

    [Fact]
    public void A_plane_stepped_sideways_leaves_a_hole_strip_at_one_edge_as_wide_as_its_disparity()
    {
        var depth = full(64, 96, 3f);
        var moved = WarpBackCamera.Stereo(Cam, depth, new SceneRandom(1, 5), 0.12);
        var disparity = Math.Abs(moved.Position.X) * Cam.Fx / 3;
        var columns = HoleColumns(WarpBackPair.Make(Photo(), depth, Cam, moved), 32);
        Assert.InRange(columns.Length, disparity - 1, disparity + 1);
        // One strip at the frame's edge: the side the camera moved away from.
        var edge = moved.Position.X > 0 ? 0 : 95;
        Assert.Contains(edge, columns);
        Assert.Equal(columns.Length - 1, columns.Max() - columns.Min());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_square_in_front_of_a_wall_leaves_a_disocclusion_as_wide_as_the_parallax_between_them(int seed)
    {
        // Wall at 4 m, a square at 2 m in the middle rows; after the step the wall behind the square's far edge shows.
        var depth = full(64, 96, 4f);
        depth[16..48, 36..60] = tensor(2f);
        var moved = WarpBackCamera.Stereo(Cam, depth, new SceneRandom(seed, 5), 0.12);
        var t = Math.Abs(moved.Position.X);
        var pair = WarpBackPair.Make(Photo(), depth, Cam, moved);
        var wallStrip = t * Cam.Fx / 4;
        var parallax = Cam.Fx * t * (1 / 2.0 - 1 / 4.0);
        var inner = HoleColumns(pair, 32).Where(x => x > wallStrip + 1 && x < 95 - wallStrip - 1).ToArray();
        // Within a pixel, less up to one more: the square's outline pixels carry a depth between the two planes after the
        // first warp (bilinear splats blend them), and land inside the strip on the way back.
        Assert.InRange(inner.Length, parallax - 2, parallax + 1);
        // Beside the square, on one side only; rows above the square have only the edge strip.
        Assert.True(inner.All(x => x >= 36 - parallax - 2 && x < 36) || inner.All(x => x >= 60 && x <= 60 + parallax + 2), string.Join(",", inner));
        Assert.DoesNotContain(HoleColumns(pair, 8), x => x > wallStrip + 1 && x < 95 - wallStrip - 1);
    }
}
