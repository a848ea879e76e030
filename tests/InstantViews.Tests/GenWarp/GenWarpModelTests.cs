using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

public class GenWarpModelTests
{
    public GenWarpModelTests() => TestTorch.Init();

    [Fact]
    public void Reference_tokens_enter_the_denoisers_attention()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 1);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var cond = model.Condition(source, embedding);
        Assert.Equal(model.DenoiserNet.AttentionLayerCount, cond.Reference!.Count);
        var x = randn(2, 3, 16, 16);
        var sigma = full(2, 0.7f);
        var with = model.Denoise(x, sigma, cond);
        var without = model.Denoise(x, sigma, cond with { Reference = null });
        Assert.True((with - without).abs().max().item<float>() > 1e-4, "dropping the reference tokens must change the output");
        // A different source changes the output through the reference tokens alone (same context).
        var other = model.Condition(-source, embedding) with { Context = cond.Context };
        var refChange = (other.Reference![0] - cond.Reference[0]).abs().max().item<float>();
        var outChange = (model.Denoise(x, sigma, other) - with).abs().max().item<float>();
        // Small through a 0.2-scale random net, but real: the same inputs reproduce the output exactly.
        Assert.True(TensorAssert.Same(model.Denoise(x, sigma, cond), with));
        Assert.True(outChange > 1e-6, $"reference change {refChange}, output change {outChange}");
    }

    [Fact]
    public void Fresh_pose_guider_without_reference_or_context_is_a_plain_unet()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model.DenoiserNet, 2);
        using var noGrad = no_grad();
        var (_, embedding) = TinyGenWarp.Inputs();
        var x = randn(2, 3, 16, 16);
        var sigma = tensor(new[] { 0.3f, 5f });
        var genwarp = model.Denoise(x, sigma, new GenWarpCondition(embedding, null, null));
        // Coordinate attention: the plain U-Net given the warped coordinates as its attention positions.
        var plain = Edm.Denoise(model.DenoiserNet, x, sigma, new UNetInputs { Hooks = new AttentionHooks { Position = embedding } });
        Assert.True(TensorAssert.Same(genwarp, plain));
        // Without coordinate attention: the plain U-Net itself.
        var noPositions = new GenWarpModel(TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { PositionChannels = 0 } });
        TinyGenWarp.Randomise(noPositions.DenoiserNet, 2);
        Assert.True(TensorAssert.Same(noPositions.Denoise(x, sigma, new GenWarpCondition(embedding, null, null)), Edm.Denoise(noPositions.DenoiserNet, x, sigma)));
    }

    [Fact]
    public void Warped_coordinates_reach_the_denoiser_through_attention_before_the_pose_guider_has_learned()
    {
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var x = randn(2, 3, 16, 16);
        var sigma = full(2, 0.7f);
        foreach (var positionChannels in new[] { 0, CoordinateEmbedding.Channels })
        {
            var model = new GenWarpModel(TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { PositionChannels = positionChannels } });
            // Random U-Nets, but the pose guiders keep their zero-initialised output conv.
            TinyGenWarp.Randomise(model.DenoiserNet, 5);
            TinyGenWarp.Randomise(model.ReferenceNet, 6);
            var cond = model.Condition(source, embedding);
            var moved = model.Denoise(x, sigma, cond with { TargetEmbedding = embedding.flip(3) });
            var change = (moved - model.Denoise(x, sigma, cond)).abs().max().item<float>();
            Assert.Equal(positionChannels > 0, change > 1e-5f);
        }
    }

    [Fact]
    public void Guidance_scale_one_equals_the_conditional_and_costs_two_evaluations_per_call()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 3);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var cond = model.Condition(source, embedding);
        var conditional = model.Denoiser(cond);
        var guided = new GuidedDenoiser(conditional, model.Denoiser(cond.Unconditional()), 1);
        var x = randn(2, 3, 16, 16);
        var sigma = full(2, 1.5f);
        Assert.True((guided.Denoise(x, sigma) - conditional.Denoise(x, sigma)).abs().max().item<float>() < 1e-5);

        var grid = NoiseGrid.Karras(4, sigmaMax: 20);
        var start = randn(2, 3, 16, 16) * 20;
        // Heun on N points costs 2N - 1 evaluations; guidance doubles that; w = 1 skips the unconditional branch.
        Assert.Equal(7, Samplers.Heun(model.Denoiser(cond, 1), start, grid).Nfe);
        Assert.Equal(14, Samplers.Heun(model.Denoiser(cond, 3.5), start, grid).Nfe);
        Assert.Equal(14, Samplers.Heun(guided, start, grid).Nfe);
    }

    [Fact]
    public void Guidance_combines_the_conditional_with_a_branch_that_has_neither_context_nor_reference()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 4);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var cond = model.Condition(source, embedding);
        var x = randn(2, 3, 16, 16, generator: new Generator(5));
        var sigma = full(2, 2f);
        // The unconditional branch is the model run without the global context and the reference tokens.
        var bare = model.Denoise(x, sigma, new GenWarpCondition(embedding, null, null) { SourceEmbedding = cond.SourceEmbedding });
        var uncond = model.Denoiser(cond.Unconditional()).Denoise(x, sigma);
        Assert.True(TensorAssert.Same(bare, uncond));
        var conditional = model.Denoise(x, sigma, cond);
        Assert.True((conditional - uncond).abs().max().item<float>() > 1e-3, "the two branches must differ");
        // D_w = D_u + w (D_c - D_u), exactly.
        var guided = model.Denoiser(cond, 2.5).Denoise(x, sigma);
        Assert.True((guided - (uncond + 2.5 * (conditional - uncond))).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Checkpoint_rebuilds_both_models_from_the_header()
    {
        using var dir = new TempDir();
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 4);
        var baseline = new WarpInpaintModel(TinyGenWarp.BaselineConfig);
        TinyGenWarp.Randomise(baseline, 5);
        Checkpoint.Save(dir.File("g.safetensors"), model);
        Checkpoint.Save(dir.File("b.safetensors"), baseline);
        var (g2, _) = Checkpoint.Load<GenWarpModel>(dir.File("g.safetensors"));
        var (b2, _) = Checkpoint.Load<WarpInpaintModel>(dir.File("b.safetensors"));
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var x = randn(2, 3, 16, 16);
        var sigma = full(2, 0.5f);
        Assert.True(TensorAssert.Same(model.Denoise(x, sigma, model.Condition(source, embedding)), g2.Denoise(x, sigma, g2.Condition(source, embedding))));
        var mask = zeros(2, 1, 16, 16);
        Assert.True(TensorAssert.Same(baseline.Denoise(x, sigma, source, mask), b2.Denoise(x, sigma, source, mask)));
    }

    [Fact]
    public void ResNet18_global_embedding_is_frozen_and_not_saved()
    {
        var model = new GenWarpModel(TinyGenWarp.Config with { GlobalEmbedding = GlobalEmbeddingKind.ResNet18 });
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("resnet", StringComparison.OrdinalIgnoreCase));
        using var noGrad = no_grad();
        var (source, _) = TinyGenWarp.Inputs();
        var context = model.GlobalContext(source);
        Assert.Equal(new long[] { 2, 1, 8 }, context.shape);
        Assert.True((context[0] - context[1]).abs().max().item<float>() > 0, "different images, different embeddings");
    }

    [Fact]
    public void Training_loss_drops_context_and_reference_for_the_drawn_samples_and_scores_both_groups_like_edm()
    {
        // Replayed: the drop draw (u < p per sample), then EDM's per-sample loss of the kept samples with the full
        // condition, then of the dropped ones without context and reference tokens, from the same generator.
        var model = new GenWarpModel(TinyGenWarp.Config with { DropProbability = 0.5 });
        TinyGenWarp.Randomise(model, 3);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs(n: 4);
        var target = rand(new long[] { 4, 3, 16, 16 }, generator: new Generator(9)) * 2 - 1;
        var batch = new NovelViewBatch(source, embedding, zeros(4, 3, 16, 16), zeros(4, 1, 16, 16), target);
        var losses = model.TrainingLoss(batch, new Generator(21));

        var replay = new Generator(21);
        var drop = (rand(4, generator: replay) < 0.5).data<bool>().ToArray();
        Assert.Contains(true, drop);
        Assert.Contains(false, drop);
        var cond = model.Condition(source, embedding);
        var expected = new double[4];
        foreach (var dropped in new[] { false, true })
        {
            var idx = Enumerable.Range(0, 4).Where(i => drop[i] == dropped).Select(i => (long)i).ToArray();
            var sel = tensor(idx);
            var c = new GenWarpCondition(embedding.index_select(0, sel), dropped ? null : cond.Context!.index_select(0, sel),
                dropped ? null : cond.Reference!.Select(t => t.index_select(0, sel)).ToList())
            { SourceEmbedding = cond.SourceEmbedding!.index_select(0, sel) };
            var l = new EdmLoss().PerSample((x, s) => model.Denoise(x, s, c), target.index_select(0, sel), replay).data<float>().ToArray();
            for (int k = 0; k < idx.Length; k++) expected[idx[k]] = l[k];
        }
        Assert.Equal(expected, losses.data<float>().ToArray().Select(v => (double)v).ToArray(), (IEqualityComparer<double>)new Tolerance(1e-6));

        // Nothing dropped: every sample is scored with its full condition, in one group.
        var keep = new GenWarpModel(TinyGenWarp.Config with { DropProbability = 0 });
        keep.load_state_dict(model.state_dict());
        var all = keep.TrainingLoss(batch, new Generator(22));
        var again = new Generator(22);
        rand(4, generator: again);
        var full = new EdmLoss().PerSample((x, s) => keep.Denoise(x, s, cond), target, again);
        Assert.True((all - full).abs().max().item<float>() < 1e-6);
        Assert.Equal("training needs the batch's target views",
            Assert.Throws<ArgumentException>(() => keep.TrainingLoss(batch with { Target = null }, new Generator(1))).Message);
    }

    [Fact]
    public void With_the_papers_attention_the_reference_tokens_still_reach_the_denoiser()
    {
        // No coordinate channels: the hooks carry the reference tokens alone.
        var model = new GenWarpModel(TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { PositionChannels = 0, PositionMatchChannels = null } });
        TinyGenWarp.Randomise(model, 6);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs();
        var cond = model.Condition(source, embedding);
        var x = randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(7));
        var sigma = full(2, 0.7f);
        Assert.True((model.Denoise(x, sigma, cond) - model.Denoise(x, sigma, cond with { Reference = null })).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void The_preserver_reads_the_clean_source_scaled_by_c_in_at_the_reference_sigma()
    {
        // With the source pose guider at its zero initialisation, the reference tokens are what the preserver's
        // attention layers record for c_in(sigma_ref) * source at noise label c_noise(sigma_ref), keyed by the source grid.
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model.ReferenceNet, 4);
        using var noGrad = no_grad();
        var (source, _) = TinyGenWarp.Inputs();
        var context = model.GlobalContext(source);
        var sigma = full(2, model.Cfg.ReferenceSigma);
        var hooks = new AttentionHooks { Recorded = [], Position = CoordinateEmbedding.Source(16, 16).unsqueeze(0).expand(2, -1, -1, -1) };
        model.ReferenceNet.RunToLastAttention(Edm.CIn(sigma.view(-1, 1, 1, 1)) * source, Edm.CNoise(sigma), new UNetInputs { Context = context, Hooks = hooks });
        var tokens = model.ReferenceTokens(source, context);
        Assert.Equal(hooks.Recorded!.Count, tokens.Count);
        for (int i = 0; i < tokens.Count; i++) Assert.True((tokens[i] - hooks.Recorded[i]).abs().max().item<float>() < 1e-6, $"layer {i}");
    }

    [Fact]
    public void One_source_repeats_for_several_views_and_features_leave_the_image_unchanged()
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 5);
        using var noGrad = no_grad();
        var (source, embedding) = TinyGenWarp.Inputs(n: 1);
        var one = model.Prepare(source);
        Assert.Same(one, one.Repeat(1));
        var three = one.Repeat(3);
        Assert.Equal(3, three.Count);
        Assert.Equal([3L, 11, 16, 16], three.SourceEmbedding.shape);
        for (int v = 0; v < 3; v++)
        {
            Assert.True(TensorAssert.Same(three.Context[v], one.Context[0]));
            Assert.True(TensorAssert.Same(three.SourceEmbedding[v], one.SourceEmbedding[0]));
            Assert.All(three.Reference.Zip(one.Reference), p => Assert.True(TensorAssert.Same(p.First[v], p.Second[0])));
        }
        // The image of DenoiseWithFeatures is Denoise's, at several noise levels at once.
        var (s2, e2) = TinyGenWarp.Inputs(n: 3);
        var cond = model.Condition(s2, e2);
        var x = randn(new long[] { 3, 3, 16, 16 }, generator: new Generator(6)) * 2;
        var sigma = tensor(new[] { 0.1f, 1.5f, 20f });
        Assert.True((model.DenoiseWithFeatures(x, sigma, cond).Image - model.Denoise(x, sigma, cond)).abs().max().item<float>() < 1e-6);
        // Every parameter tensor counts.
        Assert.Equal(model.parameters().Select(p => p.numel()).Sum(), model.ParameterCount);
        Assert.True(model.ParameterCount > model.parameters().Max(p => p.numel()));
    }

    [Fact]
    public void A_config_the_model_cannot_use_is_refused_when_it_is_built()
    {
        var bad = TinyGenWarp.Config with { Net = TinyGenWarp.Config.Net with { InChannels = 4 } };
        Assert.Equal("GenWarp: the U-Net must map 3 channels to 3", Assert.Throws<ArgumentException>(() => new GenWarpModel(bad)).Message);
    }
}
