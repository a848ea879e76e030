using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using InstantViews.OneStep;
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
        var view = ViewComposition.Compose(warped, holes, generated, featherPixels: 4);
        float[] expected = [0.6f, 0.2f, -0.2f, -0.6f, -1, -1, -1];
        for (int d = 1; d <= expected.Length; d++)
            Assert.True((view[.., .., 15 + d] - expected[d - 1]).abs().max().item<float>() < 1e-5, $"d = {d}: {view[0, 8, 15 + d].item<float>()}, expected {expected[d - 1]}");
        Assert.True(TensorAssert.Same(view[.., .., ..16], warped[.., .., ..16]));
        // Without a feather given, it is 2 % of the long side, at least 2 pixels: 2 here.
        Assert.True(TensorAssert.Same(ViewComposition.Compose(warped, holes, generated), ViewComposition.Compose(warped, holes, generated, featherPixels: 2)));
        Assert.False(TensorAssert.Same(ViewComposition.Compose(warped, holes, generated), view));
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
        // No holes: the warp itself.
        using var none = ViewComposition.Plan(rgb, zeros(h, w));
        Assert.Equal(0, none.HolePixels);
        Assert.True(TensorAssert.Same(none.Compose(generated), rgb));
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
        var view = ViewComposition.Compose(splat.Warped, splat.HoleMask, generated);
        Assert.Equal(new long[] { 3, h, w }, view.shape);
        var visible = splat.HoleMask.lt(0.5f).unsqueeze(0).expand(3, -1, -1);
        Assert.True(visible.any().item<bool>() && (~visible).any().item<bool>(), "a rotation must leave both");
        Assert.True(TensorAssert.Same(view.masked_select(visible), splat.Warped.masked_select(visible)));
        // Deep in the hole the generated view (upsampled) is used alone.
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
        r = CliRunner.Run([.. common, "--compose", "model", "--out", d.File("m.png")]);
        Assert.True(r.Code == 0, r.Err);
        var m = ImageFile.Read(d.File("m-generated.png"));
        Assert.Equal(16, m.shape[2]); // the model's working width, the photo's aspect
    }
}
