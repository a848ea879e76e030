using InstantViews.GenWarp;
using InstantViews.Lifting;
using InstantViews.Nn;
using InstantViews.NovelViews;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

[Collection("global-rng")]
public class PhotoLifterTests
{
    public PhotoLifterTests() => TestTorch.Init();

    [Fact]
    public void The_background_band_lies_on_the_near_side_at_the_far_planes_depth()
    {
        // Near plane (2 m) on columns 0-23, far plane (4 m) beyond. The median depth is 2 m (the lower middle value), so
        // b = 0.05 x 2 = 0.1 m and the band is f b (1/2 - 1/4) + 2 = 3.04 px (under the cap, 0.08 x 48 = 3.84 px):
        // columns 20-23, and the far rim, column 24.
        var (rgb, depth, cam) = LiftFixtures.TwoPlanes();
        var result = new PhotoLifter(null).Lift(rgb, depth, cam, "test", "exact");
        using var scene = result.Scene;
        Assert.Equal(2, scene.Layers.Count);
        var bg = scene.Layers[1];
        var validColumns = Enumerable.Range(0, 48).Where(x => bg.Valid[.., x].sum().item<float>() == 32).ToArray();
        Assert.Equal([20, 21, 22, 23, 24], validColumns);
        Assert.Equal(5 * 32, (int)bg.Valid.sum().item<float>());
        Assert.Equal(4 * 32, result.BandPixels);
        // Depth from the far side only: exactly the far plane, not pulled toward the occluder.
        Assert.True((bg.Depth[.., 20..25] - 4).abs().max().item<float>() < 1e-4);
        // Colour, with no model: the harmonic fill from the far side, which is the far column's colour (linear in y) away
        // from the top and bottom rows, where the image border reflects; the near side's colour takes no part.
        Assert.Equal(0, result.GeneratedPixels);
        var far = rgb[.., 8..24, 24..25].expand(3, 16, 4);
        var error = (bg.Rgb[.., 8..24, 20..24] - far).abs().max().item<float>();
        Assert.True(error < 0.02, $"harmonic colour {error} from the far column");
        Assert.True((bg.Rgb[.., 8..24, 20..24] - rgb[.., 8..24, 19..20]).abs().max().item<float>() > 0.15);
    }

    [Fact]
    public void The_virtual_views_generate_the_band_and_the_photo_layer_is_untouched()
    {
        // A baseline of 0.3 x 2 m uncovers f b (1/2 - 1/4) = 6.2 px of the far plane; the band is 9 px wide.
        var (rgb, depth, cam) = LiftFixtures.TwoPlanes();
        random.manual_seed(0);
        var result = new PhotoLifter(LiftFixtures.TinyPipeline(), new LiftOptions { Baseline = 0.3, MaxBand = 0.5 }).Lift(rgb, depth, cam, "test", "exact");
        using var scene = result.Scene;
        Assert.Equal(4, result.Views);
        Assert.Equal(9 * 32, result.BandPixels);
        Assert.True(result.GeneratedPixels > result.BandPixels / 2, $"{result.GeneratedPixels} of {result.BandPixels} generated");
        Assert.Equal(result.BandPixels, result.GeneratedPixels + result.FallbackPixels);
        Assert.True(TensorAssert.Same(scene.Layers[0].Rgb, rgb));
        Assert.True(TensorAssert.Same(scene.Layers[0].Depth, depth));
        // Generated colours differ from the harmonic fill's.
        using var plain = new PhotoLifter(null, new LiftOptions { Baseline = 0.3, MaxBand = 0.5 }).Lift(rgb, depth, cam, "test", "exact").Scene;
        Assert.True((scene.Layers[1].Rgb - plain.Layers[1].Rgb).abs().max().item<float>() > 0.05);
    }

    /// <summary>A generator whose every view is one colour: what the band takes from a view is then known.</summary>
    sealed class ConstantViews(float r, float g, float b) : INovelViewGenerator
    {
        public string Kind => "constant";
        public UNetConfig NetConfig => new() { Resolution = 16, ChannelMult = [1] };
        public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed)
        {
            var (n, h, w) = (batch.Source.shape[0], batch.Source.shape[2], batch.Source.shape[3]);
            return (tensor(new[] { r, g, b }).view(1, 3, 1, 1).expand(n, 3, h, w).contiguous(), 1);
        }
    }

    [Fact]
    public void Generated_band_pixels_carry_the_views_colour_and_the_seam_draws_on_the_far_side_only()
    {
        // Far plane red (1, -1, -1), near plane blue (-1, -1, 1); every generated view is green (-1, 1, -1).
        var (_, depth, cam) = LiftFixtures.TwoPlanes();
        var rgb = full(3, 32, 48, -1f);
        rgb[2, .., ..24] = tensor(1f);
        rgb[0, .., 24..] = tensor(1f);
        var result = new PhotoLifter(new NovelViewPipeline(new ConstantViews(-1, 1, -1)), new LiftOptions { Baseline = 0.3, MaxBand = 0.5 })
            .Lift(rgb, depth, cam, "test", "exact");
        using var scene = result.Scene;
        var bg = scene.Layers[1];
        var band = bg.Valid.gt(0.5f) & depth.lt(3);
        var colours = bg.Rgb.masked_select(band.unsqueeze(0).expand(3, 32, 48)).view(3, -1);
        // Deep in the disocclusion, exactly the view's green; nearer the seam, green blended with the far side's red
        // only: no band pixel takes the occluder's blue.
        var green = (colours - tensor(new[] { -1f, 1, -1 }).view(3, 1)).abs().amax(0).lt(1e-4f).sum().item<long>();
        Assert.True(green > result.BandPixels / 3, $"{green} of {result.BandPixels} exactly the generated colour");
        Assert.True(colours[2].max().item<float>() < -0.99f, $"blue {colours[2].max().item<float>()} leaked into the band");
    }

    [Fact]
    public void A_depth_without_discontinuities_gives_one_layer()
    {
        var (rgb, _, cam) = LiftFixtures.TwoPlanes();
        var slope = linspace(2, 2.5, 48).view(1, 48).expand(32, 48).contiguous();
        using var scene = new PhotoLifter(null).Lift(rgb, slope, cam, "test", "exact").Scene;
        Assert.Single(scene.Layers);
    }

    [Fact]
    public void Ramps_of_an_estimated_depth_are_sharpened_into_steps_and_slopes_are_not()
    {
        // A 2 m -> 4 m edge blurred over 9 px, beside an even slope: the ramp becomes a step, the slope stays as it was.
        const int w = 64;
        var d = new float[w * 8];
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < w; x++)
                d[y * w + x] = x < 28 ? 2 : x > 36 ? 4 : 2 + 2 * (x - 28) / 8f;
        var sharp = DepthEdges.Sharpen(d, w, 8, 6, 0.1);
        Assert.All(sharp, v => Assert.True(v is 2 or 4, $"{v}"));
        var slope = Enumerable.Range(0, w * 8).Select(i => 2 + 0.01f * (i % w)).ToArray();
        Assert.Equal(slope, DepthEdges.Sharpen(slope, w, 8, 6, 0.1));
        // O(1) filter = brute-force window maximum.
        var values = Enumerable.Range(0, 13 * 9).Select(i => (float)Math.Sin(i * 1.7)).ToArray();
        var max = DepthEdges.MaxFilter(values, 13, 9, 2);
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 13; x++)
            {
                var expected = float.NegativeInfinity;
                for (int yy = Math.Max(0, y - 2); yy <= Math.Min(8, y + 2); yy++)
                    for (int xx = Math.Max(0, x - 2); xx <= Math.Min(12, x + 2); xx++) expected = Math.Max(expected, values[yy * 13 + xx]);
                Assert.Equal(expected, max[y * 13 + x]);
            }
    }

    [Fact]
    public void Bad_inputs_are_one_line_errors()
    {
        var (rgb, depth, cam) = LiftFixtures.TwoPlanes();
        var lifter = new PhotoLifter(null);
        Assert.Contains("depth", Assert.Throws<UserError>(() => lifter.Lift(rgb, depth[..16], cam, "d.npy", "exact")).Message);
        Assert.Contains("--max-size must be 8 to 8192", Assert.Throws<UserError>(() => new PhotoLifter(null, new LiftOptions { MaxSize = 4 }).Lift(rgb, depth, cam, "d", "exact")).Message);
        Assert.Contains("positive", Assert.Throws<UserError>(() => lifter.Lift(rgb, depth * 0, cam, "d.npy", "exact")).Message);
    }
}
