using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.NovelViews;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static InstantViews.Tests.TensorAssert;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Tests.OneStep;

/// <summary>Growth levels of the one-step GenWarp (issue: grow to 64 and 128 px): PaGoDA's zero-head start, base-size noise, guides.</summary>
[Collection("global-rng")]
public class OneStepGrowthTests
{
    public OneStepGrowthTests() => TestTorch.Init();

    static OneStepGenWarp Base()
    {
        random.manual_seed(11);
        var teacher = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(teacher, 11);
        var g = OneStepGenWarp.FromTeacher(teacher, 20);
        g.eval();
        return g;
    }

    static List<Tensor> Guides(int n, int levels, int seed = 2)
    {
        var gen = new Generator((ulong)seed);
        return Enumerable.Range(1, levels).Select(l => rand(new long[] { n, 4, 16 << l, 16 << l }, generator: gen) * 2 - 1).ToList();
    }

    [Fact]
    public void The_denoiser_with_features_gives_the_denoisers_image_exactly()
    {
        var g = Base();
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        var cond = g.Prepare(source).For(embedding);
        var z = randn(2, 3, 16, 16, generator: new Generator(4)) * 20;
        var sigma = full(2, 20f);
        var (image, features, emb) = g.GenWarp.DenoiseWithFeatures(z, sigma, cond);
        Assert.True(Same(g.GenWarp.Denoise(z, sigma, cond), image));
        Assert.Equal([2L, g.GenWarp.DenoiserNet.LastChannels, 16, 16], features.shape);
        Assert.Equal(2, emb.shape[0]);
    }

    [Fact]
    public void A_grown_generator_starts_as_the_upsampled_base_and_keeps_base_size_noise()
    {
        var g = Base();
        var grown = g.Grow().Grow();
        grown.eval();
        Assert.Equal(64, grown.OutputResolution);
        var (source, embedding) = TinyGenWarp.Inputs(n: 2);
        using var noGrad = no_grad();
        var z = randn(2, 3, 16, 16, generator: new Generator(4)) * 20;
        var baseView = g.Generate(z, g.Prepare(source).For(embedding));
        var outs = grown.GenerateAll(z, grown.Prepare(source).For(embedding), Guides(2, 2));
        Assert.Equal(3, outs.Count);
        Assert.True(Same(baseView, outs[0]));
        Assert.Equal([2L, 3, 64, 64], outs[2].shape);
        // Zero-initialised heads: each level is the bilinear x2 of the one below, whatever the guides say.
        var up1 = F.interpolate(outs[0], scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True(Same(up1, outs[1]));
        var up2 = F.interpolate(outs[1], scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True(Same(up2, outs[2]));
        // Noise comes at the base resolution; the views at the output resolution.
        Assert.Equal([2L, 3, 64, 64], grown.Generate(grown.Prepare(source), embedding, new Generator(1), Guides(2, 2)).shape);
    }

    [Fact]
    public void Trained_levels_read_their_guides_and_unguided_levels_refuse_them()
    {
        var g = Base().Grow();
        TinyGenWarp.Randomise(g, 3); // non-zero heads, as after training
        g.eval();
        var (source, embedding) = TinyGenWarp.Inputs(n: 1);
        using var noGrad = no_grad();
        var z = randn(1, 3, 16, 16, generator: new Generator(4)) * 20;
        var cond = g.Prepare(source).For(embedding);
        var a = g.Generate(z, cond, Guides(1, 1, seed: 2));
        var b = g.Generate(z, cond, Guides(1, 1, seed: 3));
        Assert.False(a.allclose(b));
        Assert.Throws<ArgumentException>(() => g.Generate(z, cond));
        var plain = Base().Grow(guide: "none");
        Assert.Equal(0, plain.Levels[0].GuideChannels);
        Assert.Equal([1L, 3, 32, 32], plain.Generate(z, plain.Prepare(source).For(embedding)).shape);
        Assert.Throws<ArgumentException>(() => plain.Levels[0].Forward(zeros(1, 8, 16, 16), zeros(1, 3, 16, 16), zeros(1, 32), zeros(1, 4, 32, 32)));
    }

    [Fact]
    public void Growth_trains_the_levels_and_the_late_decoder_only_and_round_trips_through_a_checkpoint()
    {
        using var dir = new TempDir();
        var g = Base().Grow();
        TinyGenWarp.Randomise(g, 4);
        g.eval();
        var names = g.TrainableParameters().Select(p => p.Name).ToList();
        Assert.Contains(names, n => n.StartsWith("levels.0.", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("genwarp.denoiser.convOut.", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("genwarp.preserver.", StringComparison.Ordinal) || n.StartsWith("genwarp.denoiser.encoder.", StringComparison.Ordinal));
        Assert.Same(g.Levels[0].HeadConv.weight, g.LastLayerWeight);
        Checkpoint.Save(dir.File("g.safetensors"), g);
        var (back, header) = Checkpoint.Load<OneStepGenWarp>(dir.File("g.safetensors"));
        back.eval();
        Assert.Equal(1, header.ConfigAs<OneStepGenWarpConfig>().Levels);
        var (source, embedding) = TinyGenWarp.Inputs(n: 1);
        using var noGrad = no_grad();
        var z = randn(1, 3, 16, 16, generator: new Generator(4)) * 20;
        var guides = Guides(1, 1);
        Assert.True(Same(g.Generate(z, g.Prepare(source).For(embedding), guides), back.Generate(z, back.Prepare(source).For(embedding), guides)));
    }

    [Fact]
    public void The_pipeline_makes_a_grown_models_views_at_its_output_size_and_any_aspect()
    {
        var g = Base().Grow();
        TinyGenWarp.Randomise(g, 6);
        g.eval();
        using var views = new OneStepViews(g);
        var pipeline = new NovelViewPipeline(views);
        Assert.Equal((16, 32), pipeline.WorkingSize(60, 120));
        var gen = new Generator(3);
        var photo = rand(new long[] { 3, 60, 120 }, generator: gen) * 2 - 1;
        var depth = full(60, 120, 3f);
        var cam = Camera.FromFov(120, 60, 60);
        var (rgb, d, c) = pipeline.Prepare(photo, depth, cam);
        var r = pipeline.Generate(rgb, d, c, CameraTargets.Orbit(c, 3, 8, 0), seed: 1);
        Assert.Equal([3L, 16, 32], r.Generated.shape);
        Assert.Equal(1, r.Nfe);
        Assert.Equal(1, views.PreserverRuns);
        // The batch-only entry point cannot know the warp's inputs: refused, not guessed.
        Assert.Throws<InvalidOperationException>(() => views.Generate(NovelViewBatch.Build(rgb.unsqueeze(0), d.unsqueeze(0), [c], [c]), 1));
    }

    [Fact]
    public void Guides_at_the_source_pose_are_the_source_with_no_holes()
    {
        var gen = new Generator(8);
        var source = rand(new long[] { 1, 3, 64, 48 }, generator: gen) * 2 - 1;
        var depth = full(1, 64, 48, 3f);
        var cam = Camera.FromFov(48, 64, 60);
        var guides = GrowthGuides.Build(new WarpInputs(source, depth, [cam], [cam]), 16, 12, 2);
        Assert.Equal([1L, 4, 32, 24], guides[0].shape);
        Assert.Equal([1L, 4, 64, 48], guides[1].shape);
        Assert.True((guides[1][.., ..3] - source).abs().max().item<float>() < 1e-3);
        Assert.Equal(0, guides[1][.., 3].sum().item<float>());
    }
}
