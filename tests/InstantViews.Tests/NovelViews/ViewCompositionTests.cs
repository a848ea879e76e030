using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.Tests.NovelViews;

[Collection("console")]
public class ViewCompositionTests
{
    public ViewCompositionTests() => TestTorch.Init();

    /// <summary>A random photo [3,h,w] in [-1, 1], its depth (1 to 4) and camera.</summary>
    static (Tensor Rgb, Tensor Depth, Camera Source) Photo(Generator g, int h, int w) =>
        (rand(new long[] { 3, h, w }, generator: g) * 2 - 1, rand(new long[] { h, w }, generator: g) * 3 + 1, Camera.FromFov(w, h, 60));

    [Fact]
    public void Across_the_seam_the_generated_view_takes_over_one_feather_step_per_pixel()
    {
        // Left half seen (colour +1), right half a hole, the generated view -1 at the same size. With a 4-pixel feather
        // (seam computed at full resolution), a hole pixel d columns from the seen ones takes alpha = min(d, 5) / 5 of the
        // generated view and the rest from the seen colour carried into the hole (uniform, so exactly +1 where the
        // Gaussian of radius 4 reaches, d <= 4): 1 - 2 alpha, that is 0.6, 0.2, -0.2, -0.6, then -1.
        var warped = zeros(3, 16, 32);
        warped[.., .., ..16] = tensor(1f);
        var holes = zeros(16, 32);
        holes[.., 16..] = tensor(1f);
        var generated = full(3, 16, 32, -1f);
        var view = ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam with { FeatherPixels = 4 });
        float[] expected = [0.6f, 0.2f, -0.2f, -0.6f, -1, -1, -1];
        for (int d = 1; d <= expected.Length; d++)
            Assert.True((view[.., .., 15 + d] - expected[d - 1]).abs().max().item<float>() < 1e-5, $"d = {d}: {view[0, 8, 15 + d].item<float>()}, expected {expected[d - 1]}");
        Assert.True(TensorAssert.Same(view[.., .., ..16], warped[.., .., ..16]));
        // Without a feather given, it is 2 % of the long side, at least 2 pixels: 2 here.
        Assert.True(TensorAssert.Same(ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam), ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam with { FeatherPixels = 2 })));
        Assert.False(TensorAssert.Same(ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam), view));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_wide_feather_is_computed_at_half_resolution_and_sampled_bilinear(bool transposed)
    {
        // The straight seam of the test above with an 8-pixel feather: the seam is computed at 1/2 resolution (8x16),
        // 4 small pixels wide, so small column 8 + j takes alpha (j + 1) / 5 (the seen side 1/5), read bilinearly at
        // the full-resolution pixel centres ((x + 0.5) / 2 - 0.5): 0.2, 0.25, 0.35, ..., 0.95, then 1. The seen colour
        // (+1) is carried 4 small pixels into the hole (the Gaussian's radius), the generated view (-1) beyond, and
        // read bilinearly as well: +1 up to column 22, then 0.5, -0.5, -1. So the view is
        // alpha (-1) + (1 - alpha) carried.
        var warped = zeros(3, 16, 32);
        warped[.., .., ..16] = tensor(1f);
        var holes = zeros(16, 32);
        holes[.., 16..] = tensor(1f);
        float[] alpha = [0.2f, 0.25f, 0.35f, 0.45f, 0.55f, 0.65f, 0.75f, 0.85f, 0.95f, 1, 1];
        float[] carried = [1, 1, 1, 1, 1, 1, 1, 0.5f, -0.5f, -1, -1];
        // Transposed, the seam runs across the rows. The generated view at the seam's size (used as it is) and at the
        // photo's (resized to the seam's).
        Tensor Turn(Tensor t) => transposed ? t.transpose(-2, -1).contiguous() : t;
        foreach (var generated in new[] { full(3, 8, 16, -1f), full(3, 16, 32, -1f) })
        {
            var view = Turn(ViewComposition.Compose(Turn(warped), Turn(holes), Turn(generated), CompositionSettings.Seam with { FeatherPixels = 8 }));
            for (int i = 0; i < alpha.Length; i++)
            {
                var expected = -alpha[i] + (1 - alpha[i]) * carried[i];
                Assert.True((view[.., .., 16 + i] - expected).abs().max().item<float>() < 1e-5, $"column {16 + i}: {view[0, 8, 16 + i].item<float>()}, expected {expected}");
            }
            Assert.True(TensorAssert.Same(view[.., .., ..16], warped[.., .., ..16]));
        }
    }

    [Fact]
    public void The_seen_colour_is_carried_by_a_normalised_gaussian_as_far_as_its_weight_reaches()
    {
        // One seen pixel (+1) in the middle of a hole, the generated view -1, a 4-pixel feather (seam at full
        // resolution, Gaussian of radius 4 and sigma 2). A hole pixel at offset (dy, dx) takes
        // alpha = min(max(|dy|, |dx|), 5) / 5 of the generated view; the rest is the carried colour, +1 where the
        // normalised Gaussian weight g(dy) g(dx) exceeds 1e-3 and the generated view (-1) where it does not:
        // (4, 3) is reached (1.8e-3), the corner (4, 4) is not (7.6e-4).
        var warped = zeros(3, 13, 13);
        warped[.., 6, 6] = tensor(1f);
        var holes = ones(13, 13);
        holes[6, 6] = tensor(0f);
        var view = ViewComposition.Compose(warped, holes, full(3, 13, 13, -1f), CompositionSettings.Seam with { FeatherPixels = 4 });
        var kernel = Enumerable.Range(-4, 9).Select(k => Math.Exp(-k * k / 8.0)).ToArray();
        var sum = kernel.Sum();
        double G(int k) => Math.Abs(k) > 4 ? 0 : kernel[k + 4] / sum;
        for (int y = 0; y < 13; y++)
            for (int x = 0; x < 13; x++)
            {
                var (dy, dx) = (y - 6, x - 6);
                double expected = 1;
                if ((dy, dx) != (0, 0))
                {
                    var alpha = Math.Min(Math.Max(Math.Abs(dy), Math.Abs(dx)), 5) / 5.0;
                    var carried = G(dy) * G(dx) > 1e-3 ? 1 : -1;
                    expected = -alpha + (1 - alpha) * carried;
                }
                var got = view[0, y, x].item<float>();
                Assert.True(Math.Abs(got - expected) < 1e-5, $"offset ({dy}, {dx}): {got}, expected {expected}");
            }
        Assert.True(TensorAssert.Same(view[0], view[2]));
    }

    [Fact]
    public void Without_a_feather_given_it_is_two_percent_of_the_long_side()
    {
        // 40x200: 2 % of 200 is 4 pixels (of the short side it would be 1, so the minimum of 2).
        var warped = zeros(3, 40, 200);
        warped[.., .., ..100] = tensor(1f);
        var holes = zeros(40, 200);
        holes[.., 100..] = tensor(1f);
        var generated = full(3, 10, 50, -1f);
        var byDefault = ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam);
        Assert.True(TensorAssert.Same(byDefault, ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam with { FeatherPixels = 4 })));
        Assert.False(TensorAssert.Same(byDefault, ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam with { FeatherPixels = 2 })));
    }

    [Fact]
    public void A_cap_that_leaves_a_side_too_short_is_refused_with_the_least_cap_that_keeps_it()
    {
        // 2000x90 capped to 120: 120x5 (90 * 0.06 = 5.4). A short side of 8 needs 90 cap / 2000 >= 7.5, so cap 167 (7.515).
        Assert.Equal((5, 120), ViewComposition.CappedSize(90, 2000, 120));
        var e = Assert.Throws<UserError>(() => ViewComposition.RequireCappedSize("wide.png", 90, 2000, 120));
        Assert.Equal("'wide.png': image of 2000x90 pixels capped to --max-size 120 would be 120x5; both sides must be at least 8 pixels (use --max-size 167 or more)", e.Message);
        Assert.Equal((8, 167), ViewComposition.RequireCappedSize("wide.png", 90, 2000, 167));
        Assert.Throws<UserError>(() => ViewComposition.RequireCappedSize("wide.png", 90, 2000, 166));
        // A short side of exactly the minimum is kept; a photo under the cap keeps its size.
        Assert.Equal((8, 200), ViewComposition.RequireCappedSize("wide.png", 80, 2000, 200));
        Assert.Equal((90, 2000), ViewComposition.RequireCappedSize("wide.png", 90, 2000, 4000));
    }

    [Fact]
    public void A_seam_of_zero_pastes_the_generated_view_into_the_holes()
    {
        var g = new Generator(21);
        var warped = rand(new long[] { 3, 20, 30 }, generator: g) * 2 - 1;
        var holes = (rand(new long[] { 20, 30 }, generator: g) > 0.7f).to_type(ScalarType.Float32);
        var generated = rand(new long[] { 3, 10, 15 }, generator: g) * 2 - 1;
        var up = Resize.To(generated, 20, 30, ResizeFilter.Bicubic).clamp(-1, 1);
        var expected = where(holes.gt(0.5f).unsqueeze(0), up, warped);
        // With the warp's depth too: the far side (on in these settings) has nothing to carry into a hard paste.
        var depth = rand(new long[] { 20, 30 }, generator: g) * 3 + 1;
        foreach (var settings in new[] { CompositionSettings.Seam with { FeatherFraction = 0 }, CompositionSettings.Seam with { FeatherPixels = 0 } })
        {
            Assert.True((ViewComposition.Compose(warped, holes, generated, settings) - expected).abs().max().item<float>() < 1e-6);
            Assert.True((ViewComposition.Compose(warped, holes, generated, settings, depth) - expected).abs().max().item<float>() < 1e-6);
        }
    }

    [Fact]
    public void Cracks_are_the_hole_pixels_an_opening_removes_and_take_the_seen_colours()
    {
        // A one-pixel crack (column 4) and a 6x6 hole (rows 6-11, columns 12-17) in a 16x24 view seen in colour 0.3.
        var holes = zeros(16, 24);
        holes[.., 4] = tensor(1f);
        holes[6..12, 12..18] = tensor(1f);
        var radius1 = ViewComposition.Cracks(holes.gt(0.5f), 1);
        Assert.True(TensorAssert.Same(radius1, holes.gt(0.5f) & zeros(16, 24).index_fill(1, tensor(new long[] { 4 }), 1).gt(0.5f)));
        // Radius 3 (up to 6 pixels wide) takes the block too.
        Assert.True(TensorAssert.Same(ViewComposition.Cracks(holes.gt(0.5f), 3), holes.gt(0.5f)));
        var warped = full(3, 16, 24, 0.3f) * (1 - holes);
        var generated = full(3, 16, 24, -1f);
        var view = ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam with { SmallHoleRadius = 1 });
        Assert.True((view[.., .., 4] - 0.3f).abs().max().item<float>() < 1e-6, "the crack takes the seen colour");
        Assert.True((view[.., 8..10, 14..16] + 1).abs().max().item<float>() < 1e-6, "deep in the block, the generated view");
        // With a hard paste the colours are still carried as far as the cracks need: here the crack's two sides differ
        // (0.3 and -0.5), so it takes their mean, -0.1, from the pixels one column away, not from further out.
        var sides = warped.clone();
        sides[.., .., ..3] = tensor(0.1f);
        sides[.., .., 5..] = tensor(-0.5f);
        sides = sides * (1 - holes);
        var hard = ViewComposition.Compose(sides, holes, generated, CompositionSettings.Seam with { FeatherFraction = 0, SmallHoleRadius = 1 });
        Assert.True((hard[.., .., 4] + 0.1f).abs().max().item<float>() < 1e-5, $"{hard[0, 8, 4].item<float>()}");
        // Without the rule the crack is one pixel into a hole: 1/3 of the generated view (a 2-pixel seam).
        var seam = ViewComposition.Compose(warped, holes, generated, CompositionSettings.Seam);
        Assert.True((seam[.., .., 4] - (0.3f * 2 / 3 - 1f / 3)).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Colour_matching_moves_the_generated_view_to_the_seen_colours_near_them()
    {
        // A flat warp (0.5) with a 4x4 hole; the generated view is off by 0.3. With the reach at 8 pixels every hole
        // pixel gets at least a quarter of the Gaussian weight, so the full difference (scaled by the setting) is added.
        var warped = full(3, 32, 32, 0.5f);
        var holes = zeros(32, 32);
        holes[14..18, 14..18] = tensor(1f);
        warped = warped * (1 - holes);
        var generated = full(3, 32, 32, 0.8f);
        foreach (var (share, expected) in new[] { (1.0, 0.5f), (0.5, 0.65f), (0.0, 0.8f) })
        {
            var settings = CompositionSettings.Seam with { FeatherFraction = 0, ColourMatch = share, ColourMatchRadius = 0.25 };
            var view = ViewComposition.Compose(warped, holes, generated, settings);
            Assert.True((view[.., 14..18, 14..18] - expected).abs().max().item<float>() < 1e-5, $"share {share}: {view[0, 15, 15].item<float>()}, expected {expected}");
            Assert.True(TensorAssert.Same(view * (1 - holes), warped));
        }
        // Deep in a large hole, beyond the reach (3 pixels here), the generated view is left as it is.
        var wide = zeros(32, 32);
        wide[6..26, 6..26] = tensor(1f);
        var far = ViewComposition.Compose(full(3, 32, 32, 0.5f) * (1 - wide), wide, generated, CompositionSettings.Seam with { FeatherFraction = 0, ColourMatch = 1 });
        Assert.True((far[.., 14..18, 14..18] - 0.8f).abs().max().item<float>() < 1e-6);
        Assert.True((far[.., 6, 16] - 0.5f).abs().max().item<float>() < 1e-5, "next to the seen pixels, matched");
        // The reach is a fraction of the long side: on a 16x48 view 0.1 is 5 pixels (of the short side it would be 2),
        // enough to reach the middle of a 6-column hole in part.
        var strip = zeros(16, 48);
        strip[.., 20..26] = tensor(1f);
        var wide16 = ViewComposition.Compose(full(3, 16, 48, 0.5f) * (1 - strip), strip, full(3, 16, 48, 0.8f), CompositionSettings.Seam with { FeatherFraction = 0, ColourMatch = 1 });
        Assert.True(wide16[0, 8, 22].item<float>() < 0.6f, $"{wide16[0, 8, 22].item<float>()}");
        Assert.True(far[0, 8, 16].item<float>() is > 0.51f and < 0.79f, "two pixels in, partly");
    }

    [Fact]
    public void Poisson_composition_spans_the_harmonic_fill_and_a_generated_view_with_the_warps_border_colours()
    {
        // The truth T, its warp W (T where seen) with a block hole, one touching the image border and a crack; the
        // generated view is T off by a constant colour. Hard paste, same size: the holes show the Poisson view exactly.
        var g = new Generator(5);
        var truth = rand(new long[] { 3, 24, 32 }, generator: g) * 1.2f - 0.6f;
        var holes = zeros(24, 32);
        holes[6..14, 10..20] = tensor(1f);
        holes[18.., 26..] = tensor(1f);
        holes[.., 4] = tensor(1f);
        var warped = truth * (1 - holes);
        var offset = truth + 0.3f;
        Tensor Poisson(Tensor generated, double detail) =>
            ViewComposition.Compose(warped, holes, generated, new CompositionSettings { FeatherFraction = 0, PoissonDetail = detail, EnclosedDetail = null });
        // Detail 1: the generated view's gradients with the warp's colours at the border: a constant offset is removed.
        Assert.True((Poisson(offset, 1) - truth).abs().max().item<float>() < 1e-4, "detail 1 gives the truth back");
        // Detail 0: the harmonic fill of the warp, whatever was generated.
        var harmonic = HoleFill.Harmonic(warped, holes);
        var noise = rand(new long[] { 3, 24, 32 }, generator: g) * 0.4f - 0.2f; // small enough that no share is clamped
        Assert.True((Poisson(noise, 0) - harmonic).abs().max().item<float>() < 1e-5, "detail 0 is the harmonic fill");
        // Between: linear in the share (the fill is linear), and the seen pixels are the warp's at every share.
        var half = Poisson(noise, 0.5);
        Assert.True((half - (Poisson(noise, 0) + Poisson(noise, 1)) / 2).abs().max().item<float>() < 1e-5);
        Assert.True(TensorAssert.Same(half * (1 - holes), warped));
        // With the shipped seam too, and a generated view at half the size: the seen pixels are the warp's.
        var seamed = ViewComposition.Compose(warped, holes, Resize.To(offset, 12, 16, ResizeFilter.Area), new CompositionSettings { PoissonDetail = 1, EnclosedDetail = null });
        Assert.True(TensorAssert.Same(seamed * (1 - holes), warped));
        // Where no pixel of the generated view's size is fully seen, its detail is its difference from its mean colour;
        // here the warp's one seen pixel makes the harmonic fill that pixel's colour everywhere.
        var allHoles = ones(24, 32);
        allHoles[0, 0] = tensor(0f);
        var small = noise[.., ..12, ..16];
        var unseen = ViewComposition.Compose(warped * (1 - allHoles), allHoles, small, new CompositionSettings { FeatherFraction = 0, PoissonDetail = 1, EnclosedDetail = null });
        var expected = (warped[.., 0, 0].view(3, 1, 1) + Resize.To(small - small.mean([1, 2], keepdim: true), 24, 32, ResizeFilter.Bicubic)).clamp(-1, 1);
        Assert.True((unseen[.., 1..] - expected[.., 1..]).abs().max().item<float>() < 1e-5);
        // No pixel seen at all: the generated view as it is.
        var blind = ViewComposition.Compose(zeros(3, 24, 32), ones(24, 32), small, new CompositionSettings { FeatherFraction = 0, PoissonDetail = 1, EnclosedDetail = null });
        Assert.True((blind - Resize.To(small, 24, 32, ResizeFilter.Bicubic).clamp(-1, 1)).abs().max().item<float>() < 1e-6);
    }


    [Fact]
    public void Enclosed_holes_are_the_regions_that_do_not_reach_the_frames_edge_and_take_their_own_detail_share()
    {
        // Regions: a block inside (enclosed); a corner block and a column from top to bottom (at the edge); a block
        // beside the column (at the edge); a pixel beside the column and a strip that meets it only across a corner
        // (4-connected: the strip is enclosed); a block with a pixel meeting it across a corner (both enclosed); a
        // block joined to the bottom edge by a one-pixel path (at the edge).
        var holes = zeros(24, 32, dtype: ScalarType.Bool);
        holes[6..10, 10..16] = tensor(true);
        holes[18.., 26..] = tensor(true);
        holes[.., 4] = tensor(true);
        holes[2..4, 5..7] = tensor(true); // shares an edge with the column: at the edge
        holes[12..14, 5..7] = tensor(true);
        holes[12..14, 5] = tensor(false);
        holes[14, 5] = tensor(true);       // beside the column; meets the strip at (13, 6) across a corner
        holes[16..18, 8..10] = tensor(true);
        holes[18, 10] = tensor(true);      // meets the block at (17, 9) across a corner
        holes[20..22, 14..16] = tensor(true);
        holes[22.., 15] = tensor(true);    // a one-pixel path to the bottom edge
        var enclosed = ViewComposition.Enclosed(holes);
        var expected = zeros(24, 32, dtype: ScalarType.Bool);
        expected[6..10, 10..16] = tensor(true);
        expected[12..14, 6] = tensor(true);
        expected[16..18, 8..10] = tensor(true);
        expected[18, 10] = tensor(true);
        var diff = enclosed.logical_xor(expected).nonzero();
        Assert.True(diff.shape[0] == 0, string.Join(" ", Enumerable.Range(0, (int)diff.shape[0]).Select(i => $"({diff[i, 0].item<long>()},{diff[i, 1].item<long>()})")));
        Assert.False(ViewComposition.Enclosed(ones(5, 7, dtype: ScalarType.Bool)).any().item<bool>(), "all hole: at the edge");
        Assert.False(ViewComposition.Enclosed(zeros(5, 7, dtype: ScalarType.Bool)).any().item<bool>(), "no hole");
        // The composition: enclosed holes take their share, the others the Poisson share, each exactly as a composition
        // with that share everywhere (the harmonic fills do not depend on the shares).
        var g = new Generator(9);
        var truth = rand(new long[] { 3, 24, 32 }, generator: g) * 1.2f - 0.6f;
        var mask = holes.to_type(ScalarType.Float32);
        var warped = truth * (1 - mask);
        var generated = rand(new long[] { 3, 24, 32 }, generator: g) * 0.4f - 0.2f;
        Tensor Compose(double detail, double? inside) => ViewComposition.Compose(warped, mask, generated,
            new CompositionSettings { FeatherFraction = 0, PoissonDetail = detail, EnclosedDetail = inside });
        var split = Compose(0.25, 1);
        var inner = enclosed.to_type(ScalarType.Float32);
        var both = Compose(1, null) * inner + Compose(0.25, null) * (1 - inner);
        Assert.True((split - both).abs().max().item<float>() < 1e-5, "each region its share");
        Assert.True((split - Compose(0.25, null)).abs().max().item<float>() > 0.01, "the enclosed share changes the view");
        Assert.True(TensorAssert.Same(Compose(0.25, 0.25), Compose(0.25, null)), "the same share is one share");
        Assert.True(TensorAssert.Same(split * (1 - mask), warped), "seen pixels stay the warp's");
    }
    [Fact]
    public void Occluders_are_the_seen_pixels_beside_a_hole_in_front_of_a_farther_one_within_reach()
    {
        // A row picture: near surface (depth 1) columns 0-9, hole 10-19, far surface (depth 3) 20-29, then a slope
        // (3.0 to 3.27) 30-39 with a hole at 40-41 and depth 3.3 after it.
        var (h, w) = (6, 48);
        var depth = zeros(h, w);
        depth[.., ..10] = tensor(1f);
        depth[.., 20..30] = tensor(3f);
        for (int x = 30; x < 48; x++) depth[.., x] = tensor(3f + 0.01f * (x - 30));
        var holes = zeros(h, w);
        holes[.., 10..20] = tensor(1f);
        holes[.., 40..42] = tensor(1f);
        depth = depth * (1 - holes);
        var near = ViewComposition.Occluders(holes, depth, 1, 12, 0.1);
        var expected = zeros(h, w, dtype: ScalarType.Bool);
        expected[.., 9] = tensor(true); // the near side's pixel beside the hole; the far side and the slope are not
        Assert.True(TensorAssert.Same(near.to_type(ScalarType.Float32), expected.to_type(ScalarType.Float32)));
        // A wider reach takes more of the near side; a reach of the far side that does not get across the hole takes none.
        Assert.Equal(2 * h, ViewComposition.Occluders(holes, depth, 3, 12, 0.1).sum().item<long>()); // column 7 sees no farther pixel within 12
        Assert.Equal(3 * h, ViewComposition.Occluders(holes, depth, 3, 14, 0.1).sum().item<long>());
        Assert.Equal(0, ViewComposition.Occluders(holes, depth, 1, 10, 0.1).sum().item<long>());
        // A margin above the step (1 x 3.5 > 3) takes none.
        Assert.Equal(0, ViewComposition.Occluders(holes, depth, 1, 12, 2.5).sum().item<long>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    public void The_window_maximum_is_the_max_pool_of_the_window(int r)
    {
        var x = rand(new long[] { 13, 29 }, generator: new Generator((ulong)r));
        foreach (var dim in new[] { 0, 1 })
        {
            var kernel = dim == 1 ? new long[] { 1, 2 * r + 1 } : new long[] { 2 * r + 1, 1 };
            // max_pool2d pads with -inf; the values are 0 or more, so padding with 0 gives the same maxima.
            var padded = dim == 1 ? TorchSharp.torch.nn.functional.pad(x, [r, r, 0, 0]) : TorchSharp.torch.nn.functional.pad(x, [0, 0, r, r]);
            var expected = TorchSharp.torch.nn.functional.max_pool2d(padded.unsqueeze(0).unsqueeze(0), kernel, new long[] { 1, 1 }).squeeze(0).squeeze(0);
            Assert.True(TensorAssert.Same(ViewComposition.WindowMax(x, r, dim), expected), $"r {r}, dim {dim}");
        }
    }

    [Fact]
    public void From_the_far_side_a_disocclusion_takes_what_lies_behind_and_a_view_of_it_comes_out_exactly()
    {
        // The warp: an occluder (0.8, depth 1) left of a hole, the background (-0.5, depth 4) right of it. The generated
        // view is the truth: the background behind the hole. From the far side the harmonic fill is the background, the
        // view's own fill too, so every detail share gives the background exactly; the plain composition does not.
        var (h, w) = (16, 40);
        var warped = full(3, h, w, -0.5f);
        warped[.., .., ..12] = tensor(0.8f);
        var depth = full(h, w, 4f);
        depth[.., ..12] = tensor(1f);
        var holes = zeros(h, w);
        holes[.., 12..24] = tensor(1f);
        warped = warped * (1 - holes);
        depth = depth * (1 - holes);
        var truth = full(3, h, w, -0.5f);
        truth[.., .., ..12] = tensor(0.8f);
        var farSide = new CompositionSettings { FeatherFraction = 0, FarSide = 0.1, FarSideReach = 0.5 };
        foreach (var share in new[] { 0.0, 0.25, 1.0 })
        {
            var view = ViewComposition.Compose(warped, holes, truth, farSide with { PoissonDetail = share }, depth);
            Assert.True((view - truth).abs().max().item<float>() < 1e-4f, $"share {share}: {(view - truth).abs().max().item<float>()}");
        }
        var plain = ViewComposition.Compose(warped, holes, truth, new CompositionSettings { FeatherFraction = 0, FarSide = null }, depth);
        Assert.True(plain[0, 8, 13].item<float>() > 0, $"the plain fill takes the occluder's colour beside it: {plain[0, 8, 13].item<float>()}");
        // The seam composition carries the far side's colours into the seam (a narrower hole, within the seam's reach).
        var narrow = zeros(h, w);
        narrow[.., 12..18] = tensor(1f);
        var (warpedN, depthN) = (truth * (1 - narrow), full(h, w, 4f) * (1 - narrow));
        depthN[.., ..12] = tensor(1f);
        var seam = ViewComposition.Compose(warpedN, narrow, full(3, h, w, 0.2f), CompositionSettings.Seam with { FeatherPixels = 6, FarSide = 0.1, FarSideReach = 0.5 }, depthN);
        var plainSeam = ViewComposition.Compose(warpedN, narrow, full(3, h, w, 0.2f), CompositionSettings.Seam with { FeatherPixels = 6, FarSide = null }, depthN);
        Assert.True(seam[0, 8, 12].item<float>() < 0.2f, $"next to the occluder, the far side's colour leads: {seam[0, 8, 12].item<float>()}");
        Assert.True(plainSeam[0, 8, 12].item<float>() > 0.2f, $"without the far side, the occluder's: {plainSeam[0, 8, 12].item<float>()}");
        Assert.True(TensorAssert.Same(seam * (1 - narrow), warpedN), "seen pixels stay the warp's");
        // Without the warp's depth the far side is not told apart: the plain composition.
        Assert.True(TensorAssert.Same(ViewComposition.Compose(warped, holes, truth, farSide), ViewComposition.Compose(warped, holes, truth, farSide with { FarSide = null }, depth)));
    }

    [Fact]
    public void Composition_settings_out_of_range_are_refused_by_name()
    {
        string Error(CompositionSettings s) => Assert.Throws<UserError>(() => s.Check()).Message;
        Assert.Equal("the seam's width must be 0 to 0.25 of the long side, got -0.1", Error(new() { FeatherFraction = -0.1 }));
        Assert.Equal("the seam's width must be 0 to 512 pixels, got -1", Error(new() { FeatherPixels = -1 }));
        Assert.Equal("the small-hole radius must be 0 to 16 pixels, got 17", Error(new() { SmallHoleRadius = 17 }));
        Assert.Equal("the colour matching must be 0 to 1, got 1.5", Error(new() { ColourMatch = 1.5 }));
        Assert.Equal("the colour matching's reach must be above 0 and at most 1 of the long side, got 0", Error(new() { ColourMatchRadius = 0 }));
        Assert.Equal("the Poisson composition's detail share must be 0 to 1, got 1.5", Error(new() { PoissonDetail = 1.5 }));
        Assert.Equal("the detail share in enclosed holes must be 0 to 1, got -0.5", Error(new() { EnclosedDetail = -0.5 }));
        Assert.Equal("the far side's depth margin must be 0 to 10 (a share of the depth), got -1", Error(new() { FarSide = -1 }));
        Assert.Equal("the far side's reach must be 0.001 to 1 of the long side, got 0", Error(new() { FarSideReach = 0 }));
        Assert.Equal("a detail share for enclosed holes is for the Poisson composition: give --poisson-detail a share, without --colour-match", Error(CompositionSettings.Seam with { EnclosedDetail = 1 }));
        Assert.Equal("colour matching is for the seam composition: turn the Poisson composition off to use it (--poisson-detail off)", Error(new() { ColourMatch = 0.5 }));
        Assert.Equal(2, CompositionSettings.Default.Feather(16, 32));
        Assert.Equal(4, CompositionSettings.Default.Feather(40, 200));
        Assert.Equal(0, (CompositionSettings.Seam with { FeatherFraction = 0 }).Feather(40, 200));
    }

    [Fact]
    public void A_plan_composed_into_its_warp_gives_the_copy_and_leaves_a_plan_without_holes_alone()
    {
        var g = new Generator(4);
        var (h, w) = (36, 60);
        var (rgb, depth, source) = Photo(g, h, w);
        using var splat = ForwardSplat.Warp(rgb, depth, source, CameraTargets.Orbit(source, 2, 10, 4));
        var generated = rand(new long[] { 3, 9, 15 }, generator: g) * 2 - 1;
        var copy = ViewComposition.Compose(splat.Warped, splat.HoleMask, generated);
        var warp = splat.Warped.clone();
        using var plan = ViewComposition.Plan(warp, splat.HoleMask);
        Assert.Equal((long)splat.HoleMask.sum().item<float>(), plan.HolePixels);
        Assert.True(plan.HolePixels > 0);
        Assert.True(TensorAssert.Same(plan.Compose(generated), copy));
        Assert.True(TensorAssert.Same(warp, splat.Warped), "a copy leaves the warp as it was");
        var into = plan.Compose(generated, intoWarp: true);
        Assert.True(ReferenceEquals(into, warp));
        Assert.True(TensorAssert.Same(into, copy));
        // No holes: the warp itself (a copy, or the warp when composed into it).
        using var none = ViewComposition.Plan(rgb, zeros(h, w));
        Assert.Equal(0, none.HolePixels);
        var noneCopy = none.Compose(generated);
        Assert.True(TensorAssert.Same(noneCopy, rgb));
        Assert.False(ReferenceEquals(noneCopy, rgb));
        Assert.True(ReferenceEquals(none.Compose(generated, intoWarp: true), rgb));
    }

    [Fact]
    public void A_pure_rotation_keeps_every_visible_pixel_of_the_full_resolution_warp_and_fills_only_the_holes()
    {
        var g = new Generator(3);
        var (h, w) = (48, 80);
        var (rgb, depth, source) = Photo(g, h, w);
        var target = CameraTargets.Move(source, 0, 0, 0, 12, 0); // turn in place: no parallax, holes only at the edge
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        var generated = rand(new long[] { 3, 12, 20 }, generator: g) * 2 - 1; // the model's view at 1/4 size
        var view = ViewComposition.Compose(splat.Warped, splat.HoleMask, generated, CompositionSettings.Seam);
        Assert.Equal(new long[] { 3, h, w }, view.shape);
        var visible = splat.HoleMask.lt(0.5f).unsqueeze(0).expand(3, -1, -1);
        Assert.True(visible.any().item<bool>() && (~visible).any().item<bool>(), "a rotation must leave both");
        Assert.True(TensorAssert.Same(view.masked_select(visible), splat.Warped.masked_select(visible)));
        Assert.True(TensorAssert.Same(ViewComposition.Compose(splat.Warped, splat.HoleMask, generated).masked_select(visible), splat.Warped.masked_select(visible)));
        // Seam composition: deep in the hole the generated view (upsampled) is used alone.
        var up = Resize.To(generated, h, w, ResizeFilter.Bicubic).clamp(-1, 1);
        var deep = splat.HoleMask.gt(0.5f);
        for (int i = 0; i < 6; i++) deep = deep & nn.functional.max_pool2d((~deep).to_type(ScalarType.Float32).unsqueeze(0).unsqueeze(0), 3, 1, 1).squeeze(0).squeeze(0).lt(0.5f);
        var deep3 = deep.unsqueeze(0).expand(3, -1, -1);
        Assert.True(deep.any().item<bool>());
        Assert.True((view.masked_select(deep3) - up.masked_select(deep3)).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void A_non_square_photo_gives_a_view_of_its_own_size_and_max_size_caps_it()
    {
        using var d = new TempDir();
        ImageFile.Write(d.File("wide.png"), rand(3, 24, 40) * 2 - 1);
        Npy.WriteFloat32(d.File("depth.npy"), Enumerable.Repeat(2f, 24 * 40).ToArray(), 24, 40);
        var model = new GenWarpModel(TinyGenWarp.Config);
        InstantViews.Runtime.Checkpoint.Save(d.File("m.safetensors"), OneStepGenWarp.FromTeacher(model, 20));
        string[] common = ["nvs", "--model", d.File("m.safetensors"), "--image", d.File("wide.png"), "--depth", d.File("depth.npy"), "--target", "orbit:8,0,0", "--threads", "1", "-q"];
        var r = CliRunner.Run([.. common, "--out", d.File("v.png")]);
        Assert.True(r.Code == 0, r.Err);
        var v = ImageFile.Read(d.File("v-generated.png"));
        Assert.Equal((24L, 40L), (v.shape[1], v.shape[2]));
        r = CliRunner.Run([.. common, "--max-size", "20", "--out", d.File("small.png")]);
        Assert.True(r.Code == 0, r.Err);
        var s = ImageFile.Read(d.File("small-generated.png"));
        Assert.Equal((12L, 20L), (s.shape[1], s.shape[2]));
        Assert.Contains("generated at 16x", r.Out);
        // The composition's settings reach the view: a hard paste with cracks and colour matching differs from the default.
        r = CliRunner.Run([.. common, "--feather", "0", "--small-holes", "1", "--colour-match", "1", "--out", d.File("set.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.False(TensorAssert.Same(ImageFile.Read(d.File("set-generated.png")), v));
        // The Poisson composition is the default (a quarter of the detail); off gives the seam composition, another view.
        r = CliRunner.Run([.. common, "--poisson-detail", "0.25", "--out", d.File("p.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.True(TensorAssert.Same(ImageFile.Read(d.File("p-generated.png")), v));
        r = CliRunner.Run([.. common, "--poisson-detail", "off", "--out", d.File("seam.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.False(TensorAssert.Same(ImageFile.Read(d.File("seam-generated.png")), v));
        // The enclosed holes' share: the same share as the rest is the default view; out of range, or without the Poisson
        // composition, a one-line error and no view.
        r = CliRunner.Run([.. common, "--enclosed-detail", "0.25", "--out", d.File("e.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.True(TensorAssert.Same(ImageFile.Read(d.File("e-generated.png")), v));
        foreach (var (args, error) in new[] { (new[] { "--enclosed-detail", "2" }, "--enclosed-detail must be 0 to 1, got 2"),
            (["--poisson-detail", "off", "--enclosed-detail", "1"], "a detail share for enclosed holes is for the Poisson composition: give --poisson-detail a share, without --colour-match") })
        {
            r = CliRunner.Run([.. common, .. args, "--out", d.File("bad.png")]);
            Assert.NotEqual(0, r.Code);
            Assert.Equal($"error: {error}", r.Err.Trim().Split('\n')[0]);
            Assert.False(File.Exists(d.File("bad-generated.png")));
        }
        r = CliRunner.Run([.. common, "--compose", "model", "--out", d.File("m.png")]);
        Assert.True(r.Code == 0, r.Err);
        var m = ImageFile.Read(d.File("m-generated.png"));
        Assert.Equal(16, m.shape[2]); // the model's working width, the photo's aspect
    }
}
