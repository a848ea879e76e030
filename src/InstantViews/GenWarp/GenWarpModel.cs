using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// GenWarp (Seo et al., NeurIPS 2024, arXiv 2405.17251; docs/genwarp.md): a semantic-preserver U-Net sees the clean source with the source coordinate
/// embedding and records its self-attention input tokens; the EDM-preconditioned denoising U-Net sees the
/// noisy target with the warped target embedding (pose guider output added after its input conv), and its
/// self-attention layers attend over [own tokens ; reference tokens]. A global source embedding is the
/// cross-attention context of both. One config, one checkpoint.
/// </summary>
[ModelKind("genwarp", typeof(GenWarpConfig))]
public sealed class GenWarpModel : nn.Module, INovelViewModel
{
    public GenWarpConfig Cfg { get; }
    public string Kind => "genwarp";
    public object Config => Cfg;
    public UNetConfig NetConfig => Cfg.Net;

    // Submodules are fields: their names are the checkpoint's tensor prefixes (denoiser.*, preserver.*, ...).
    readonly UNet denoiser;
    readonly UNet preserver;
    readonly PoseGuider targetGuider;
    readonly PoseGuider sourceGuider;
    readonly GlobalEncoder globalEncoder;

    public GenWarpModel(GenWarpConfig config) : base(nameof(GenWarpModel))
    {
        config.Validate();
        Cfg = config;
        denoiser = new UNet(config.Net);
        preserver = new UNet(config.Net);
        targetGuider = new PoseGuider(config.PoseGuiderWidths, DenoiserNet.FirstChannels);
        sourceGuider = new PoseGuider(config.PoseGuiderWidths, ReferenceNet.FirstChannels);
        globalEncoder = new GlobalEncoder(config.GlobalEmbedding, config.EncoderWidths, config.Net.ContextDim);
        RegisterComponents();
    }

    /// <summary>The denoising U-Net.</summary>
    public UNet DenoiserNet => denoiser;
    /// <summary>The semantic-preserver U-Net (reference tokens of the clean source).</summary>
    public UNet ReferenceNet => preserver;

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The global source embedding [N, 1, ContextDim].</summary>
    public Tensor GlobalContext(Tensor source) => globalEncoder.forward(source);

    /// <summary>
    /// Runs the semantic preserver once on the clean source at <see cref="GenWarpConfig.ReferenceSigma"/> and
    /// returns its self-attention input tokens, one [N, HW, C] per layer.
    /// </summary>
    public IReadOnlyList<Tensor> ReferenceTokens(Tensor source, Tensor? context) => ReferenceTokens(source, context, SourceEmbedding(source));

    IReadOnlyList<Tensor> ReferenceTokens(Tensor source, Tensor? context, Tensor embedding)
    {
        var sigma = full(source.shape[0], Cfg.ReferenceSigma, dtype: ScalarType.Float32, device: source.device);
        var hooks = new AttentionHooks { Recorded = [], Position = embedding };
        // Only the tokens its attention layers record are used: the preserver stops after its last one.
        ReferenceNet.RunToLastAttention(Edm.CIn(sigma.view(-1, 1, 1, 1)) * source, Edm.CNoise(sigma),
            new UNetInputs { Context = context, AddedFeatures = sourceGuider.forward(embedding), Hooks = hooks });
        return hooks.Recorded;
    }

    /// <summary>The source coordinate embedding [N, 11, H, W] for a source batch [N, 3, H, W].</summary>
    static Tensor SourceEmbedding(Tensor source) =>
        CoordinateEmbedding.Source((int)source.shape[2], (int)source.shape[3], source.device).unsqueeze(0).expand(source.shape[0], -1, -1, -1);

    /// <summary>The per-source part of the condition (global context, reference tokens, source embedding): compute once per image.</summary>
    public GenWarpSource Prepare(Tensor source)
    {
        var context = GlobalContext(source);
        var embedding = SourceEmbedding(source);
        return new GenWarpSource(context, ReferenceTokens(source, context, embedding), embedding);
    }

    /// <summary>The full condition for a source and its warped target embedding (reference tokens computed here, once).</summary>
    public GenWarpCondition Condition(Tensor source, Tensor targetEmbedding) => Prepare(source).For(targetEmbedding);

    /// <summary>
    /// D(x; sigma | condition): EDM preconditioning around the denoising U-Net. With coordinate attention
    /// (Net.PositionChannels &gt; 0) the warped target embedding also keys its self-attention, and the source
    /// embedding keys the reference tokens.
    /// </summary>
    public Tensor Denoise(Tensor x, Tensor sigma, GenWarpCondition condition) => Edm.Denoise(DenoiserNet, x, sigma, Inputs(condition));

    /// <summary>
    /// <see cref="Denoise"/> that also returns the denoising U-Net's last decoder features and noise embedding (what
    /// growth levels of a one-step generator build on); the image equals <see cref="Denoise"/>'s exactly.
    /// </summary>
    public (Tensor Image, Tensor Features, Tensor Embedding) DenoiseWithFeatures(Tensor x, Tensor sigma, GenWarpCondition condition)
    {
        var s = sigma.to_type(ScalarType.Float32);
        var b = s.view(-1, 1, 1, 1);
        var (features, embedding) = DenoiserNet.ForwardFeatures(Edm.CIn(b) * x, Edm.CNoise(s), Inputs(condition));
        return (Edm.CSkip(b) * x + Edm.COut(b) * DenoiserNet.Head(features), features, embedding);
    }

    UNetInputs Inputs(GenWarpCondition condition)
    {
        var coordinates = Cfg.Net.PositionChannels > 0;
        var hooks = condition.Reference is null && !coordinates ? null : new AttentionHooks
        {
            Extra = condition.Reference?.ToList(),
            Position = coordinates ? condition.TargetEmbedding : null,
            ExtraPosition = coordinates ? condition.SourceEmbedding : null,
        };
        return new UNetInputs
        {
            Context = condition.Context,
            AddedFeatures = targetGuider.forward(condition.TargetEmbedding),
            Hooks = hooks,
        };
    }

    /// <summary>A denoiser for fixed conditions (reference tokens computed once, reused at every step).</summary>
    public IDenoiser Denoiser(GenWarpCondition condition) => new LambdaDenoiser((x, s) => Denoise(x, s, condition));

    /// <summary>Classifier-free guidance: D_u + w (D_c - D_u), with D_u dropping context and reference tokens; w = 1 is the conditional denoiser alone.</summary>
    public IDenoiser Denoiser(GenWarpCondition condition, double guidance) => guidance == 1
        ? Denoiser(condition)
        : new GuidedDenoiser(Denoiser(condition), Denoiser(condition.Unconditional()), guidance);

    public IDenoiser Denoiser(NovelViewBatch batch, double guidance = 1) => Denoiser(Condition(batch.Source, batch.TargetEmbedding), guidance);

    /// <summary>EDM loss per sample; a random <see cref="GenWarpConfig.DropProbability"/> of samples drop context and reference tokens together.</summary>
    public Tensor TrainingLoss(NovelViewBatch batch, Generator gen)
    {
        var target = batch.Target ?? throw new ArgumentException("training needs the batch's target views");
        var n = target.shape[0];
        var drop = (rand(n, generator: gen) < Cfg.DropProbability).data<bool>().ToArray();
        var cond = Condition(batch.Source, batch.TargetEmbedding);
        var keptIdx = Enumerable.Range(0, (int)n).Where(i => !drop[i]).Select(i => (long)i).ToArray();
        var dropIdx = Enumerable.Range(0, (int)n).Where(i => drop[i]).Select(i => (long)i).ToArray();
        var device = target.device;
        var noise = new EdmLoss();
        var losses = zeros(n, device: device);
        // The two groups run separately: extra attention tokens cannot be removed for part of a batch.
        foreach (var (idx, conditional) in new[] { (keptIdx, true), (dropIdx, false) })
        {
            if (idx.Length == 0) continue;
            var sel = tensor(idx, device: device);
            var c = new GenWarpCondition(cond.TargetEmbedding.index_select(0, sel),
                conditional ? cond.Context!.index_select(0, sel) : null,
                conditional ? cond.Reference!.Select(t => t.index_select(0, sel)).ToList() : null)
            { SourceEmbedding = cond.SourceEmbedding!.index_select(0, sel) };
            var l = noise.PerSample((x, s) => Denoise(x, s, c), target.index_select(0, sel), gen);
            losses = losses.index_copy(0, sel, l);
        }
        return losses;
    }
}
