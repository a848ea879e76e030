using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Metrics;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class WarpBackPairTests
{
    public WarpBackPairTests() => TestTorch.Init();

    static (Tensor Rgb, Tensor Depth, Camera Camera) View()
    {
        var scene = SceneGenerator.Generate(SceneStream.ValidationSeedStart + 3);
        var cam = CameraPaths.RandomPose(scene, Camera.FromFov(96, 64, 60), new SceneRandom(scene.Seed, 1000));
        var v = Renderer.Render(scene, cam, 2);
        return (v.RgbTensor(), v.DepthTensor(), cam.WithPose(RigidTransform.Identity));
    }

    [Fact]
    public void Warping_back_gives_the_photo_where_the_source_sees_and_disocclusion_holes_elsewhere()
    {
        var (rgb, depth, cam) = View();
        var pair = WarpBackPair.Make(rgb, depth, cam, new SceneRandom(7, 1), maxDegrees: 10);
        // The model's conditions, as at inference: the source (the moved view, hole-free) warped to the photo's camera.
        var batch = pair.Inputs.Batch();
        Assert.True(pair.Source.isfinite().all().item<bool>() && pair.SourceDepth.gt(0).all().item<bool>(), "the source must be hole-free with positive depth");
        Assert.True(TensorAssert.Same(pair.Target, rgb), "the target is the photo itself");
        Assert.Equal(cam, pair.TargetCamera);
        var holes = batch.HoleMask[0, 0];
        var seen = holes.lt(0.5f).to_type(ScalarType.Float32);
        // Where the warped-back source lands, it is the photo (the round trip of a rendered view with exact depth).
        var psnr = Psnr.Compute((batch.WarpedRgb[0] + 1) / 2, (rgb + 1) / 2, seen.unsqueeze(0)).item<float>();
        Assert.True(psnr > 24, $"round trip where the source sees: {psnr:0.0} dB");
        // The move opens holes, but not too many: the photo is the target of what the model must generate.
        var share = holes.mean().item<float>();
        Assert.InRange(share, 0.001, 0.5);
    }

    [Fact]
    public void The_same_generator_state_gives_the_same_pair()
    {
        var (rgb, depth, cam) = View();
        var a = WarpBackPair.Make(rgb, depth, cam, new SceneRandom(11, 2));
        var b = WarpBackPair.Make(rgb, depth, cam, new SceneRandom(11, 2));
        var c = WarpBackPair.Make(rgb, depth, cam, new SceneRandom(12, 2));
        Assert.True(TensorAssert.Same(a.Source, b.Source) && TensorAssert.Same(a.SourceDepth, b.SourceDepth));
        Assert.Equal(a.SourceCamera, b.SourceCamera);
        Assert.NotEqual(a.SourceCamera, c.SourceCamera);
    }
}
