using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Nn;
using InstantViews.NovelViews;
using static TorchSharp.torch;

namespace InstantViews.Tests.NovelViews;

[Collection("console")]
public class PhotoViewsTests
{
    public PhotoViewsTests() => TestTorch.Init();

    /// <summary>A generator whose view is a fixed function of its batch (the warped source, holes at 0.3): known output, no noise.</summary>
    sealed class WarpEcho(Exception? failure = null) : INovelViewGenerator
    {
        public string Kind => "echo";
        public UNetConfig NetConfig => new() { Resolution = 32, ChannelMult = [1, 2] };
        public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed)
        {
            if (failure is not null) throw failure;
            return ((batch.WarpedRgb + 0.3f * batch.HoleMask).clamp(-1, 1), 1);
        }
    }

    static (Tensor Rgb, Tensor Depth, Camera Camera) Photo()
    {
        var g = new Generator(11);
        var (h, w) = (40, 64);
        var rgb = rand(new long[] { 3, h, w }, generator: g) * 2 - 1;
        var depth = rand(new long[] { h, w }, generator: g) * 2 + 1.5;
        return (rgb, depth, Camera.FromFov(w, h, 60));
    }

    [Fact]
    public void A_composed_view_is_the_fill_size_warp_composed_with_the_models_own_view()
    {
        // The warp is made on a second thread while the model runs; the result must be what doing it in turn gives.
        var (rgb, depth, cam) = Photo();
        using var views = PhotoViews.Open(rgb, depth, cam, "test depth", new NovelViewPipeline(new WarpEcho()), new PhotoViewSizes(64, 48), "test photo");
        Assert.Equal((30, 48), views.FillSize);
        var target = CameraTargets.Orbit(cam, 2.5, 8, -3);
        var composed = views.View(target, 5);
        var own = views.View(target, 5, composed: false);
        var (fillRgb, fillDepth, fillCamera) = NovelViewPipeline.Cap(views.Rgb, views.Depth, views.Camera, 48);
        using var splat = ForwardSplat.Warp(fillRgb, fillDepth, fillCamera, target.Scaled(48, 30));
        var expected = ViewComposition.Compose(splat.Warped, splat.HoleMask, own.Generated, depth: splat.Depth);
        Assert.True(splat.HoleMask.sum().item<float>() > 10, "the move must open holes");
        Assert.True(TensorAssert.Same(composed.Generated, expected));
        Assert.True(TensorAssert.Same(composed.Warped, splat.Warped));
        Assert.True(TensorAssert.Same(composed.HoleMask, splat.HoleMask));
        Assert.Equal(1, composed.Nfe);
        // The viewer's path (a pose) gives the same view.
        using var rendered = views.Render(target.Scaled(48, 30).WorldToCamera, 5);
        Assert.True(TensorAssert.Same(rendered.Image, expected));
    }

    [Fact]
    public void A_model_that_fails_passes_its_error_on_after_the_warp_thread_ends()
    {
        var (rgb, depth, cam) = Photo();
        using var views = PhotoViews.Open(rgb, depth, cam, "test depth", new NovelViewPipeline(new WarpEcho(new InvalidOperationException("model failed"))), new PhotoViewSizes(64, 48), "test photo");
        var target = CameraTargets.Orbit(cam, 2.5, 8, 0);
        Assert.Equal("model failed", Assert.Throws<InvalidOperationException>(() => views.View(target)).Message);
        Assert.Equal("model failed", Assert.Throws<InvalidOperationException>(() => views.Render(target.WorldToCamera)).Message);
    }
}
