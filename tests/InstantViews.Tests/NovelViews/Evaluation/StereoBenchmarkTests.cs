using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.NovelViews;
using InstantViews.NovelViews.Evaluation;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.Tests.NovelViews.Evaluation;

/// <summary>The stereo benchmark on a pair whose answer is known: a textured plane 8 px of disparity away.</summary>
[Collection("global-rng")]
public class StereoBenchmarkTests
{
    internal const int W = 64, H = 32, Shift = 8;

    /// <summary>Left: noise; right: the left moved 8 px left (x_R = x_L - d), its last 8 columns white (what the left never saw).</summary>
    internal static StereoInputs Plane()
    {
        random.manual_seed(3);
        var left = rand(3, H, W) * 2 - 1;
        var right = ones(3, H, W);
        right[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, W - Shift)] = left[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(Shift, W)];
        var cam = new Camera(32, 32, W / 2.0, H / 2.0, W, H, Mat3.Identity, Vec3.Zero);
        // d = f B / Z: 32 * 0.1 / 0.4 = 8 px.
        var rightCam = cam.WithPose(new RigidTransform(Mat3.Identity, new Vec3(-0.1, 0, 0)));
        var disparity = full(H, W, (float)Shift);
        disparity[0, 0] = tensor(float.NaN); // one unknown pixel: filled for the warp, left out of the scores
        return new StereoInputs(left, right, cam, rightCam, disparity, 0.1, 0);
    }

    [Fact]
    public void With_the_true_depth_the_covisible_pixels_are_exact_and_the_occluded_ones_are_what_the_fill_put_there()
    {
        TestTorch.Init();
        var pair = Plane();
        using var net = new ResNet18Features();
        var perceptual = new PerceptualDistance(net);
        var result = StereoBenchmark.Run(pair, [], [StereoFill.Grey, StereoFill.Nearest, StereoFill.Harmonic], perceptual, new StereoSettings(PerceptualSize: 64));
        Assert.Equal((W - Shift) / (double)W, result.CovisibleFraction, 6);
        // The mask itself: the right view's last Shift columns are the holes.
        var expectedMask = ones_like(result.Covisible!);
        expectedMask[TensorIndex.Colon, TensorIndex.Slice(W - Shift, W)] = 0;
        Assert.True(result.Covisible!.eq(expectedMask).all().item<bool>());
        // Those holes reach the frame's edge: none is enclosed. A 2x2 hole inside beside a 12-pixel strip at the edge: a quarter.
        Assert.Equal(0, result.EnclosedHoles);
        var holes = zeros(8, 8);
        holes[3..5, 3..5] = tensor(1f);
        holes[..6, 6..] = tensor(1f);
        Assert.Equal(4 / 16.0, StereoBenchmark.EnclosedShare(holes), 9);
        Assert.True(double.IsNaN(StereoBenchmark.EnclosedShare(zeros(8, 8))));
        Assert.Equal(["grey", "nearest", "harmonic"], result.Rows.Select(r => r.Fill));
        Assert.All(result.Rows, r => Assert.Equal("true", r.Depth));
        foreach (var row in result.Rows)
        {
            Assert.True(row.PsnrCovisible > 60, $"{row.Fill}: covisible PSNR {row.PsnrCovisible}");
            Assert.True(row.PerceptualCovisible < 1e-6, $"{row.Fill}: covisible perceptual {row.PerceptualCovisible}");
        }
        // Grey holes (0.5 in [0, 1]) against white: MSE 0.25, 6.02 dB.
        Assert.Equal(10 * Math.Log10(1 / 0.25), result.Rows[0].PsnrOccluded, 3);
        // Nearest: each hole column takes column 55 of the view, which is the left's column 63.
        var edge = pair.Left[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(W - 1, W)].add(1).div(2);
        var expected = -10 * Math.Log10(edge.sub(1).square().mean().item<float>());
        Assert.Equal(expected, result.Rows[1].PsnrOccluded, 2);
    }

    [Fact]
    public void From_the_far_side_the_holes_beside_a_near_square_take_the_background_exactly()
    {
        TestTorch.Init();
        // A background of one colour at 4 px of disparity and a square of another at 12 px: in the right view the square
        // moves 8 px further left and uncovers 8 columns of background beside it (enclosed), and the frame's last 4
        // columns are new. The truth in every hole is the background; the plain harmonic fill pulls the square's colour in.
        var (a, b) = (0.8f, -0.4f);
        var left = full(3, H, W, b);
        left[.., 8..24, 20..36] = tensor(a);
        var right = full(3, H, W, b);
        right[.., 8..24, 8..24] = tensor(a);
        var disparity = full(H, W, 4f);
        disparity[8..24, 20..36] = tensor(12f);
        var cam = new Camera(32, 32, W / 2.0, H / 2.0, W, H, Mat3.Identity, Vec3.Zero);
        var pair = new StereoInputs(left, right, cam, cam.WithPose(new RigidTransform(Mat3.Identity, new Vec3(-0.1, 0, 0))), disparity, 0.1, 0);
        using var net = new ResNet18Features();
        var result = StereoBenchmark.Run(pair, [], [StereoFill.Harmonic, StereoFill.HarmonicFarSide(0.1, 0.25)], new PerceptualDistance(net), new StereoSettings(PerceptualSize: 64));
        Assert.Equal(["harmonic", "harmonic-far"], result.Rows.Select(r => r.Fill));
        Assert.Equal(0.5, result.EnclosedHoles, 6); // 16 x 8 enclosed, 32 x 4 at the edge
        Assert.True(result.Rows[1].PsnrOccluded > 60, $"far side: {result.Rows[1].PsnrOccluded} dB");
        Assert.True(result.Rows[0].PsnrOccluded < 30, $"plain: {result.Rows[0].PsnrOccluded} dB");
        // A margin above the depth step (the square is at a third of the background's depth) finds no occluder: the plain fill.
        var wide = StereoBenchmark.Run(pair, [], [StereoFill.HarmonicFarSide(2.5, 0.25)], new PerceptualDistance(net), new StereoSettings(PerceptualSize: 64));
        Assert.Equal(result.Rows[0].PsnrOccluded, wide.Rows[0].PsnrOccluded, 4);
    }

    [Fact]
    public void The_truth_in_a_models_place_scores_what_its_working_size_keeps_of_the_holes()
    {
        TestTorch.Init();
        var pair = Plane();
        using var net = new ResNet18Features();
        var hard = CompositionSettings.Seam with { FeatherPixels = 0 };
        var poisson = CompositionSettings.Default with { PoissonDetail = 1, EnclosedDetail = 1, FeatherPixels = 0 };
        var fills = new[]
        {
            StereoFill.TruthAt("pasted", pair.Right, (h, w) => (h, w), hard),
            StereoFill.TruthAt("blended", pair.Right, (h, w) => (h, w), poisson),
            StereoFill.TruthAt("quarter", pair.Right, (h, w) => (h / 4, w / 4), hard),
        };
        var result = StereoBenchmark.Run(pair, [], fills, new PerceptualDistance(net), new StereoSettings(PerceptualSize: 64));
        Assert.Equal([0, 0, 0], result.Rows.Select(r => r.Nfe));
        // At the photo's size the truth pasted into the holes is the truth; Poisson-blended into a warp that is exact where
        // it sees (no seam to fade it in), its detail over its own harmonic fill lands on the warp's identical harmonic fill: the
        // truth again.
        Assert.True(result.Rows[0].PsnrOccluded > 60, $"pasted: {result.Rows[0].PsnrOccluded} dB");
        Assert.True(result.Rows[1].PsnrOccluded > 50, $"blended: {result.Rows[1].PsnrOccluded} dB");
        // At a quarter of the size the holes hold the truth shrunk (area) and enlarged again (bicubic), clamped.
        Assert.Equal(PastedPsnr(pair, H / 4, W / 4), result.Rows[2].PsnrOccluded, 2);
        Assert.True(result.Rows[2].PsnrOccluded < 40);
    }

    /// <summary>PSNR in the plane pair's holes (its last columns) of the truth shrunk to h x w (area), enlarged again (bicubic) and clamped.</summary>
    static double PastedPsnr(StereoInputs pair, int h, int w)
    {
        var back = Resize.To(Resize.To(pair.Right, h, w, ResizeFilter.Area), H, W, ResizeFilter.Bicubic).clamp(-1, 1);
        var cols = TensorIndex.Slice(W - Shift, W);
        return -10 * Math.Log10(back[.., .., cols].sub(pair.Right[.., .., cols]).div(2).square().mean().item<float>());
    }

    [Fact]
    public void Each_model_is_followed_by_the_truth_at_its_working_size_when_asked()
    {
        TestTorch.Init();
        using var tmp = new TempDir();
        random.manual_seed(1);
        Checkpoint.Save(tmp.File("tiny.safetensors"), OneStepGenWarp.FromTeacher(new GenWarpModel(TinyGenWarp.Config), 20));
        var pair = Plane();
        var hard = CompositionSettings.Seam with { FeatherPixels = 0 };
        Assert.Equal(["grey", "nearest", "harmonic", "harmonic-far", "tiny"], StereoEvaluation.Fills([tmp.File("tiny.safetensors")], 0, composition: hard).Select(f => f.Name));
        var fills = StereoEvaluation.Fills([tmp.File("tiny.safetensors")], 0, composition: hard, truth: pair.Right);
        Assert.Equal(["grey", "nearest", "harmonic", "harmonic-far", "tiny", "truth@tiny"], fills.Select(f => f.Name));
        using var net = new ResNet18Features();
        var row = StereoBenchmark.Run(pair, [], [fills[^1]], new PerceptualDistance(net), new StereoSettings(PerceptualSize: 64)).Rows.Single();
        // The 16-px model works at 16x8 on the 64x32 pair: its truth row holds the truth at that size, pasted.
        Assert.Equal(PastedPsnr(pair, 8, 16), row.PsnrOccluded, 2);
    }

    [Fact]
    public void Depth_is_scored_blind_to_scale_and_an_estimate_is_aligned_by_its_inverse()
    {
        TestTorch.Init();
        var disparity = linspace(2, 20, 200).view(10, 20);
        var truth = disparity.reciprocal() * 3.2; // f B = 3.2
        var twice = StereoDepthScore.Of("twice", truth * 2, truth, disparity);
        Assert.Equal(0, twice.AbsRel, 6);
        Assert.Equal(1, twice.Delta, 6);
        Assert.Equal(1, twice.Correlation, 6);
        // As estimated, twice the depth is off by 100 % everywhere and never within 1.25.
        Assert.Equal(1, twice.AbsRelRaw, 6);
        Assert.Equal(0, twice.DeltaRaw, 6);
        Assert.Equal(0.2, StereoDepthScore.Of("a fifth further", truth * 1.2, truth, disparity).AbsRelRaw, 6);
        // An estimate whose inverse is any affine function of the disparity is aligned back to it exactly.
        var estimate = (disparity * 0.3 + 1).reciprocal();
        Assert.True(StereoBenchmark.AlignedDisparity(estimate, disparity).sub(disparity).abs().max().item<float>() < 1e-3f);
        // An inverse depth that falls as the disparity grows correlates at -1.
        Assert.Equal(-1, StereoDepthScore.Of("inverted", (30 - disparity).reciprocal(), truth, disparity).Correlation, 6);
    }

    [Fact]
    public void An_estimated_depth_gives_its_own_rows_and_its_aligned_rows()
    {
        TestTorch.Init();
        var pair = Plane();
        using var net = new ResNet18Features();
        var perceptual = new PerceptualDistance(net);
        var flat = new StereoDepthSource("far", (rgb, cam) => full(rgb.shape[1], rgb.shape[2], 4f));
        var result = StereoBenchmark.Run(pair, [flat], [StereoFill.Grey], perceptual, new StereoSettings(PerceptualSize: 64));
        Assert.Equal(["true", "far", "far aligned"], result.Rows.Select(r => r.Depth));
        Assert.Equal("far", Assert.Single(result.Depths).Depth);
        // 4 m gives 0.8 px of disparity instead of 8: the covisible pixels are far off; aligned to the truth they are exact
        // (a constant estimate aligns to the mean disparity, here the true 8 px).
        Assert.True(result.Rows[1].PsnrCovisible < 20);
        Assert.True(result.Rows[2].PsnrCovisible > 60, $"aligned: {result.Rows[2].PsnrCovisible}");
    }
}
