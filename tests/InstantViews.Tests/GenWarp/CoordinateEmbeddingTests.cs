using InstantViews.GenWarp;
using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class CoordinateEmbeddingTests
{
    public CoordinateEmbeddingTests() => TestTorch.Init();

    [Fact]
    public void Non_square_grid_runs_x_along_the_width_and_y_along_the_height()
    {
        var e = CoordinateEmbedding.Source(32, 48);
        Assert.Equal([11L, 32, 48], e.shape);
        // x = 2 (i + 0.5) / W - 1 varies along columns only; y along rows only.
        Assert.Equal(2 * 0.5 / 48 - 1, e[0, 5, 0].item<float>(), 5);
        Assert.Equal(2 * 47.5 / 48 - 1, e[0, 9, 47].item<float>(), 5);
        Assert.Equal(2 * 31.5 / 32 - 1, e[1, 31, 3].item<float>(), 5);
        Assert.Equal(0, (e[0] - e[0, 0]).abs().max().item<float>());
        Assert.Equal(0, (e[1] - e[1, .., 0].unsqueeze(1)).abs().max().item<float>());
        Assert.Equal(Math.Sin(Math.PI * e[0, 0, 10].item<float>()), e[2, 0, 10].item<float>(), 5);
        Assert.Equal(Math.Cos(2 * Math.PI * e[1, 20, 0].item<float>()), e[9, 20, 0].item<float>(), 5);
        Assert.Equal(0, e[10].abs().sum().item<float>());
    }

    [Fact]
    public void Every_base_channel_is_its_formula_in_the_documented_order()
    {
        var e = CoordinateEmbedding.Grid(3, 5);
        Assert.Equal([10L, 3, 5], e.shape);
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 5; i++)
            {
                double x = 2 * (i + 0.5) / 5 - 1, y = 2 * (j + 0.5) / 3 - 1;
                double[] expected = [x, y, Math.Sin(Math.PI * x), Math.Cos(Math.PI * x), Math.Sin(Math.PI * y), Math.Cos(Math.PI * y),
                    Math.Sin(2 * Math.PI * x), Math.Cos(2 * Math.PI * x), Math.Sin(2 * Math.PI * y), Math.Cos(2 * Math.PI * y)];
                for (int c = 0; c < 10; c++) Assert.Equal(expected[c], e[c, j, i].item<float>(), 5);
            }
        Assert.Throws<ArgumentException>(() => CoordinateEmbedding.Grid(0, 4));
        Assert.Throws<ArgumentException>(() => CoordinateEmbedding.Grid(4, 0));
    }

    [Fact]
    public void Source_embedding_warped_with_the_identity_equals_the_target_embedding()
    {
        var cam = Camera.FromFov(48, 32, 60);
        var depth = rand(32, 48) * 3 + 1;
        var target = CoordinateEmbedding.Target(depth, cam, cam);
        Assert.True((target - CoordinateEmbedding.Source(32, 48)).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Target_embedding_of_a_sideways_move_shifts_x_only_and_marks_holes()
    {
        var cam = Camera.FromFov(48, 32, 60);
        var tgt = cam.WithPose(new RigidTransform(Mat3.Identity, new Vec3(4 * 2 / cam.Fx, 0, 0)));
        var e = CoordinateEmbedding.Target(full(32, 48, 2f), cam, tgt);
        Assert.Equal([11L, 32, 48], e.shape);
        var src = CoordinateEmbedding.Source(32, 48);
        // world_to_camera t = +dx puts the camera at -dx: target column j shows source column j - 4; y unchanged.
        Assert.True((e[0, .., TensorIndex.Slice(4, 48)] - src[0, .., TensorIndex.Slice(0, 44)]).abs().max().item<float>() < 1e-4);
        Assert.True((e[1, .., TensorIndex.Slice(4, 48)] - src[1, .., TensorIndex.Slice(4, 48)]).abs().max().item<float>() < 1e-4);
        Assert.Equal(32 * 4, e[10].sum().item<float>(), 3);
        var batched = CoordinateEmbedding.Target(full(2, 32, 48, 2f), [cam], [tgt, cam]);
        Assert.True((batched[0] - e).abs().max().item<float>() < 1e-5);
        Assert.True((batched[1] - src).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Batch_warps_coordinates_and_colours_as_the_separate_warps_do()
    {
        var cam = Camera.FromFov(48, 32, 60);
        var tgt = cam.WithPose(new RigidTransform(Mat3.RotationY(0.15), new Vec3(0.3, 0.05, 0.1)));
        var g = new Generator(11);
        var rgb = rand(new long[] { 2, 3, 32, 48 }, generator: g) * 2 - 1;
        var depth = rand(new long[] { 2, 32, 48 }, generator: g) * 3 + 1;
        var batch = NovelViewBatch.Build(rgb, depth, [cam, cam], [tgt, cam]);
        var embedding = CoordinateEmbedding.Target(depth, [cam, cam], [tgt, cam]);
        using var splat = ForwardSplat.Warp(rgb, depth, [cam, cam], [tgt, cam]);
        Assert.True((batch.TargetEmbedding - embedding).abs().max().item<float>() < 1e-5);
        Assert.True((batch.WarpedRgb - splat.Warped).abs().max().item<float>() < 1e-5);
        Assert.True(TensorAssert.Same(batch.HoleMask, splat.HoleMask.unsqueeze(1)));
        Assert.True(TensorAssert.Same(batch.WarpedDepth!, splat.Depth));
        Assert.True(batch.HoleMask.sum().item<float>() > 0, "the move must open holes");
    }

    [Fact]
    public void A_one_pixel_grid_is_its_centre_and_an_empty_grid_is_refused()
    {
        // One pixel: its centre is x = y = 0, so the channels are x, y, then sin 0 = 0 and cos 0 = 1 at both frequencies.
        var g = CoordinateEmbedding.Grid(1, 1);
        Assert.Equal(new float[] { 0, 0, 0, 1, 0, 1, 0, 1, 0, 1 }, g.flatten().data<float>().ToArray());
        Assert.Contains("4x0", Assert.Throws<ArgumentException>(() => CoordinateEmbedding.Grid(0, 4)).Message);
        Assert.Contains("0x4", Assert.Throws<ArgumentException>(() => CoordinateEmbedding.Grid(4, 0)).Message);
    }
}
