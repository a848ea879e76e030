using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Nn;

/// <summary>Optional inputs of a U-Net call beyond the image and the noise label.</summary>
public sealed class UNetInputs
{
    /// <summary>Class labels [N] (int64) for label-conditional configs.</summary>
    public Tensor? Labels { get; init; }
    /// <summary>Cross-attention context tokens [N, T, ContextDim]; null skips cross-attention.</summary>
    public Tensor? Context { get; init; }
    /// <summary>Features [N, Channels, H, W] ADDED right after the input convolution (GenWarp's pose guider).</summary>
    public Tensor? AddedFeatures { get; init; }
    /// <summary>Self-attention hooks: record input tokens and/or append extra key/value tokens.</summary>
    public AttentionHooks? Hooks { get; init; }
}

/// <summary>
/// A DDPM++/ADM-style U-Net: residual blocks with noise-embedding scale/shift, self-attention at chosen
/// resolutions, skip connections between encoder and decoder, zero-initialised output convolution.
/// This is the raw network F of EDM; preconditioning wraps it (Diffusion.EdmDenoiser).
/// </summary>
[ModelKind("unet", typeof(UNetConfig))]
public sealed class UNet : nn.Module, ICheckpointable
{
    public UNetConfig Cfg { get; }
    public string Kind => "unet";
    public object Config => Cfg;

    readonly NoiseEmbedding noiseEmb;
    readonly Linear embLinear1, embLinear2;
    readonly Embedding? labelEmb;
    readonly Conv2d convIn;
    readonly ModuleList<nn.Module> encoder = new();
    readonly ModuleList<nn.Module> middle = new();
    readonly ModuleList<nn.Module> decoder = new();
    readonly GroupNorm normOut;
    readonly Conv2d convOut;

    /// <summary>Width of the feature map right after the input conv (what AddedFeatures must have).</summary>
    public int FirstChannels => Cfg.Channels;

    public UNet(UNetConfig config) : base(nameof(UNet))
    {
        config.Validate();
        Cfg = config;
        var c = config.Channels;
        var emb = config.EmbeddingDim;
        noiseEmb = new NoiseEmbedding(c, config.NoiseEmbedding);
        embLinear1 = Layers.Linear(c, emb);
        embLinear2 = Layers.Linear(emb, emb);
        if (config.LabelCount > 0) labelEmb = Layers.Embedding(config.LabelCount, emb);
        convIn = Layers.Conv2d(config.InChannels, c, 3, padding: 1);

        var skipChannels = new Stack<int>();
        skipChannels.Push(c);
        var ch = c;
        var res = config.Resolution;
        for (int level = 0; level < config.ChannelMult.Length; level++)
        {
            var outCh = c * config.ChannelMult[level];
            for (int b = 0; b < config.BlocksPerLevel; b++)
            {
                encoder.Add(new ResBlock(ch, outCh, emb, config.Dropout, config.ChannelsPerGroup));
                ch = outCh;
                if (config.AttentionResolutions.Contains(res)) encoder.Add(new AttentionBlock(ch, config.Heads, config.ContextDim, config.ChannelsPerGroup, config.PositionChannels, config.PositionMatchChannels));
                skipChannels.Push(ch);
            }
            if (level < config.ChannelMult.Length - 1)
            {
                encoder.Add(new Downsample(ch));
                skipChannels.Push(ch);
                res /= 2;
            }
        }
        middle.Add(new ResBlock(ch, ch, emb, config.Dropout, config.ChannelsPerGroup));
        middle.Add(new AttentionBlock(ch, config.Heads, config.ContextDim, config.ChannelsPerGroup, config.PositionChannels, config.PositionMatchChannels));
        middle.Add(new ResBlock(ch, ch, emb, config.Dropout, config.ChannelsPerGroup));
        for (int level = config.ChannelMult.Length - 1; level >= 0; level--)
        {
            var outCh = c * config.ChannelMult[level];
            for (int b = 0; b <= config.BlocksPerLevel; b++)
            {
                decoder.Add(new ResBlock(ch + skipChannels.Pop(), outCh, emb, config.Dropout, config.ChannelsPerGroup));
                ch = outCh;
                if (config.AttentionResolutions.Contains(res)) decoder.Add(new AttentionBlock(ch, config.Heads, config.ContextDim, config.ChannelsPerGroup, config.PositionChannels, config.PositionMatchChannels));
            }
            if (level > 0)
            {
                decoder.Add(new Upsample(ch));
                res *= 2;
            }
        }
        normOut = Layers.GroupNorm(Layers.Groups(ch, 32, config.ChannelsPerGroup), ch);
        convOut = Layers.Zero(Layers.Conv2d(ch, config.OutChannels, 3, padding: 1));
        RegisterComponents();
    }

    /// <summary>Number of self-attention layers (the length of recorded token lists).</summary>
    public int AttentionLayerCount => encoder.Concat(middle).Concat(decoder).Count(m => m is AttentionBlock);

    /// <summary>F(x, c_noise, inputs): x [N, InChannels, H, W], noiseLabel [N].</summary>
    public Tensor Forward(Tensor x, Tensor noiseLabel, UNetInputs? inputs = null)
    {
        var (features, _) = ForwardFeatures(x, noiseLabel, inputs);
        return Head(features);
    }

    /// <summary>The output head: GroupNorm, SiLU, zero-initialised 3x3 conv.</summary>
    public Tensor Head(Tensor features) => convOut.forward(F.silu(normOut.forward(features)));

    /// <summary>The output convolution (PaGoDA's adaptive weight is taken at its weight).</summary>
    public Conv2d OutputConv => convOut;

    /// <summary>Width of the last decoder feature map (what <see cref="Head"/> consumes).</summary>
    public int LastChannels => Cfg.Channels * Cfg.ChannelMult[0];

    /// <summary>Runs everything but the output head; returns the last decoder features and the noise embedding.</summary>
    public (Tensor Features, Tensor Embedding) ForwardFeatures(Tensor x, Tensor noiseLabel, UNetInputs? inputs = null) =>
        Run(x, noiseLabel, inputs, toLastAttention: false);

    /// <summary>
    /// Runs the network only as far as its last self-attention layer, for what its hooks record there (a reference
    /// network's tokens): the blocks after it cannot change them, so they are not run.
    /// </summary>
    public void RunToLastAttention(Tensor x, Tensor noiseLabel, UNetInputs inputs) => Run(x, noiseLabel, inputs, toLastAttention: true);

    (Tensor Features, Tensor Embedding) Run(Tensor x, Tensor noiseLabel, UNetInputs? inputs, bool toLastAttention)
    {
        var attentionLeft = toLastAttention ? AttentionLayerCount : -1;
        var hooks = inputs?.Hooks;
        if (hooks is not null) hooks.Index = 0;
        var context = inputs?.Context;
        var emb = embLinear2.forward(F.silu(embLinear1.forward(noiseEmb.forward(noiseLabel))));
        if (labelEmb is not null && inputs?.Labels is { } labels) emb = emb + labelEmb.forward(labels);

        var h = convIn.forward(x);
        if (inputs?.AddedFeatures is { } added) h = h + added;
        var skips = new Stack<Tensor>();
        skips.Push(h);
        foreach (var m in encoder)
        {
            h = Apply(m, h, emb, context, hooks);
            if (m is not AttentionBlock) skips.Push(h);
            else { skips.Pop(); skips.Push(h); }
            if (m is AttentionBlock && --attentionLeft == 0) return (h, emb);
        }
        foreach (var m in middle)
        {
            h = Apply(m, h, emb, context, hooks);
            if (m is AttentionBlock && --attentionLeft == 0) return (h, emb);
        }
        foreach (var m in decoder)
        {
            if (m is ResBlock) h = cat([h, skips.Pop()], 1);
            h = Apply(m, h, emb, context, hooks);
            if (m is AttentionBlock && --attentionLeft == 0) return (h, emb);
        }
        return (h, emb);
    }

    /// <summary>
    /// Parameters of the late decoder (the blocks after the last upsampling, at full resolution) and the output
    /// head: what PaGoDA keeps training while it freezes the encoder, middle and early decoder.
    /// </summary>
    public IEnumerable<(string Name, Parameter Param)> LateDecoderParameters()
    {
        var lastUp = decoder.Select((m, i) => (m, i)).LastOrDefault(p => p.m is Upsample).i;
        var prefixes = Enumerable.Range(lastUp + 1, decoder.Count - lastUp - 1).Select(i => $"decoder.{i}.").Append("normOut.").Append("convOut.").ToArray();
        return named_parameters().Where(p => prefixes.Any(pre => p.name.StartsWith(pre, StringComparison.Ordinal)));
    }

    static Tensor Apply(nn.Module m, Tensor h, Tensor emb, Tensor? context, AttentionHooks? hooks) => m switch
    {
        ResBlock r => r.forward(h, emb),
        AttentionBlock a => a.forward(h, context, hooks),
        Downsample d => d.forward(h),
        Upsample u => u.forward(h),
        _ => throw new InvalidOperationException(m.GetType().Name),
    };

    /// <summary>Trainable parameter count.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Forward FLOPs (2 per multiply-add) of one image of size height x width, counting convs, linears and attention.</summary>
    public long ForwardFlops(int height, int width, int extraTokensPerLayer = 0, int contextTokens = 1)
    {
        long h = height, w = width, flops = 2L * h * w * 9 * Cfg.InChannels * Cfg.Channels;
        foreach (var m in encoder.Concat(middle).Concat(decoder))
        {
            switch (m)
            {
                case ResBlock r: flops += r.Flops(h, w); break;
                case AttentionBlock a: flops += a.Flops(h, w, extraTokensPerLayer, contextTokens); break;
                case Downsample d: flops += d.Flops(h, w); h /= 2; w /= 2; break;
                case Upsample u: flops += u.Flops(h, w); h *= 2; w *= 2; break;
            }
        }
        return flops + 2L * h * w * 9 * Cfg.Channels * Cfg.OutChannels;
    }
}
