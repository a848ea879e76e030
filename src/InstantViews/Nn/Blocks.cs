using InstantViews.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Nn;

/// <summary>Sinusoidal (positional) or random-Fourier embedding of the scalar noise label c_noise(sigma).</summary>
public sealed class NoiseEmbedding : nn.Module<Tensor, Tensor>
{
    readonly int dim;
    readonly NoiseEmbeddingKind kind;
    readonly Tensor fourierFreqs;

    public NoiseEmbedding(int dim, NoiseEmbeddingKind kind) : base(nameof(NoiseEmbedding))
    {
        this.dim = dim;
        this.kind = kind;
        // Fourier frequencies are a fixed buffer so the embedding is part of the checkpoint.
        var g = new Generator(0);
        fourierFreqs = randn(dim / 2, generator: g, device: BuildDevice.Current) * 16;
        register_buffer("freqs", fourierFreqs);
    }

    public override Tensor forward(Tensor noiseLabel)
    {
        Tensor angles;
        if (kind == NoiseEmbeddingKind.Fourier)
            angles = noiseLabel.unsqueeze(1) * (2 * Math.PI) * fourierFreqs.unsqueeze(0);
        else
        {
            // DDPM++ positional embedding: frequencies (1/10000)^(i/half), applied to the label scaled by 1000/4.
            var half = dim / 2;
            var freqs = exp(arange(half, dtype: ScalarType.Float32, device: noiseLabel.device) * (-Math.Log(10000) / half));
            angles = (noiseLabel * 250).unsqueeze(1) * freqs.unsqueeze(0);
        }
        return cat([cos(angles), sin(angles)], 1);
    }
}

/// <summary>
/// Residual block: GroupNorm, SiLU, 3x3 conv, noise-embedding scale/shift, SiLU, dropout, zero-initialised 3x3
/// conv, plus a 1x1 skip when the width changes. A fresh block is the identity (skip scale 1).
/// </summary>
public sealed class ResBlock : nn.Module<Tensor, Tensor, Tensor>
{
    readonly GroupNorm norm1, norm2;
    readonly Conv2d conv1, conv2;
    readonly Linear embProj;
    readonly Conv2d? skip;
    readonly Dropout dropout;
    public int InChannels { get; }
    public int OutChannels { get; }

    public ResBlock(int inCh, int outCh, int embDim, double dropout, int channelsPerGroup = 4) : base(nameof(ResBlock))
    {
        InChannels = inCh;
        OutChannels = outCh;
        norm1 = Layers.GroupNorm(Layers.Groups(inCh, 32, channelsPerGroup), inCh);
        conv1 = Layers.Conv2d(inCh, outCh, 3, padding: 1);
        embProj = Layers.Linear(embDim, 2 * outCh);
        norm2 = Layers.GroupNorm(Layers.Groups(outCh, 32, channelsPerGroup), outCh);
        this.dropout = nn.Dropout(dropout);
        conv2 = Layers.Zero(Layers.Conv2d(outCh, outCh, 3, padding: 1));
        if (inCh != outCh) skip = Layers.Conv2d(inCh, outCh, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor emb)
    {
        var h = conv1.forward(F.silu(norm1.forward(x)));
        var ss = embProj.forward(F.silu(emb)).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
        h = norm2.forward(h) * (ss[0] + 1) + ss[1];
        h = conv2.forward(dropout.forward(F.silu(h)));
        return h + (skip is null ? x : skip.forward(x));
    }

    public long Flops(long h, long w) =>
        2 * h * w * 9 * (InChannels * OutChannels + OutChannels * OutChannels) + (skip is null ? 0 : 2 * h * w * InChannels * OutChannels);
}

/// <summary>
/// The per-call attention hooks GenWarp needs: each self-attention layer (in forward order) can record its
/// input tokens, and can attend over extra key/value tokens appended to its own.
/// </summary>
public sealed class AttentionHooks
{
    /// <summary>When set, every self-attention layer appends its (normalised) input tokens [N, HW, C] here.</summary>
    public List<Tensor>? Recorded { get; set; }
    /// <summary>Extra tokens per self-attention layer, in the same order as recorded; null entries add nothing.</summary>
    public IReadOnlyList<Tensor?>? Extra { get; set; }
    /// <summary>
    /// Coordinates of the own pixels [N, P, H, W] at input resolution, for layers with position projections:
    /// each layer area-pools them to its own resolution and adds their projections to its queries and keys.
    /// </summary>
    public Tensor? Position { get; init; }
    /// <summary>Coordinates of the extra tokens' pixels [N, P, H, W] at input resolution (the same for every layer).</summary>
    public Tensor? ExtraPosition { get; init; }
    internal int Index;
    readonly Dictionary<(long, long), (Tensor Own, Tensor? Extra)> pooled = [];

    /// <summary>
    /// <see cref="Position"/> and <see cref="ExtraPosition"/> area-pooled to hh x ww as tokens [N, hh*ww, P]; pooled once
    /// per resolution and call, shared by the layers that run at it.
    /// </summary>
    internal (Tensor Own, Tensor? Extra) PooledPositions(long hh, long ww)
    {
        if (pooled.TryGetValue((hh, ww), out var p)) return p;
        static Tensor Tokens(Tensor coordinates, long hh, long ww) => F.adaptive_avg_pool2d(coordinates, [hh, ww]).flatten(2).transpose(1, 2);
        p = (Tokens(Position!, hh, ww), ExtraPosition is { } e ? Tokens(e, hh, ww) : null);
        pooled[(hh, ww)] = p;
        return p;
    }
}

/// <summary>
/// Multi-head self-attention over the pixels (scaled_dot_product_attention), with optional cross-attention to
/// context tokens; zero-initialised output projections make a fresh block the identity. With position channels,
/// per-pixel coordinates given through <see cref="AttentionHooks"/> are projected into the queries and keys, so a
/// query attends to the tokens whose coordinates match its own (see <see cref="InitPositionProjection"/>).
/// </summary>
public sealed class AttentionBlock : nn.Module<Tensor, Tensor?, AttentionHooks?, Tensor>
{
    readonly GroupNorm norm;
    readonly Linear q, k, v, proj;
    readonly GroupNorm? crossNorm;
    readonly Linear? crossQ, crossK, crossV, crossProj;
    readonly Linear? posQ, posK;
    readonly int heads;
    public int Channels { get; }
    readonly int contextDim;

    public AttentionBlock(int channels, int heads, int contextDim, int channelsPerGroup = 4, int positionChannels = 0, int[]? matchChannels = null) : base(nameof(AttentionBlock))
    {
        Channels = channels;
        this.heads = heads;
        this.contextDim = contextDim;
        norm = Layers.GroupNorm(Layers.Groups(channels, 32, channelsPerGroup), channels);
        q = Layers.Linear(channels, channels);
        k = Layers.Linear(channels, channels);
        v = Layers.Linear(channels, channels);
        proj = Layers.Zero(Layers.Linear(channels, channels));
        if (contextDim > 0)
        {
            crossNorm = Layers.GroupNorm(Layers.Groups(channels, 32, channelsPerGroup), channels);
            crossQ = Layers.Linear(channels, channels);
            crossK = Layers.Linear(contextDim, channels);
            crossV = Layers.Linear(contextDim, channels);
            crossProj = Layers.Zero(Layers.Linear(channels, channels));
        }
        if (positionChannels > 0)
        {
            posQ = InitPositionProjection(Layers.Linear(positionChannels, channels, hasBias: false), heads, matchChannels);
            posK = InitPositionProjection(Layers.Linear(positionChannels, channels, hasBias: false), heads, matchChannels);
        }
        RegisterComponents();
    }

    /// <summary>
    /// Logit gain of a fresh position projection per matching Fourier channel: a query and a key whose
    /// coordinates agree get sum_j Gain^2 cos(f_j (x - x')) / sqrt(headDim) added to their logit.
    /// </summary>
    public const double PositionGain = 4;

    /// <summary>
    /// Starts a position projection as a matcher of the channels <paramref name="match"/> (all when null): in every
    /// head, dimension j copies channel match[j mod count] times <see cref="PositionGain"/>. For a Fourier embedding
    /// (GenWarp passes its Fourier channels) q . k then depends only on the coordinate difference and peaks where the
    /// coordinates agree; the other channels start unused.
    /// </summary>
    static Linear InitPositionProjection(Linear layer, int heads, int[]? match)
    {
        using var noGrad = no_grad();
        var w = layer.weight!;
        w.zero_();
        if (w.device_type == DeviceType.META) return layer; // shapes only (BuildDevice.Meta): no values to set
        var (outCh, inCh) = ((int)w.shape[0], (int)w.shape[1]);
        var headDim = outCh / heads;
        var channels = match ?? [.. Enumerable.Range(0, inCh)];
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < headDim; j++)
                w[h * headDim + j, channels[j % channels.Length]] = tensor((float)PositionGain);
        return layer;
    }

    Tensor Heads(Tensor t) => t.view(t.shape[0], t.shape[1], heads, -1).transpose(1, 2);

    public override Tensor forward(Tensor x, Tensor? context, AttentionHooks? hooks)
    {
        var (n, c, hh, ww) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var tokens = norm.forward(x).flatten(2).transpose(1, 2); // [N, HW, C]
        Tensor? extra = null;
        if (hooks is not null)
        {
            hooks.Recorded?.Add(tokens);
            if (hooks.Extra is { } list && hooks.Index < list.Count) extra = list[hooks.Index];
            hooks.Index++;
        }
        // Augmented attention: keys/values over [own tokens ; extra tokens] in one softmax.
        var kvTokens = extra is null ? tokens : cat([tokens, extra], 1);
        var queries = q.forward(tokens);
        var keys = k.forward(kvTokens);
        if (posQ is not null && hooks?.Position is not null)
        {
            var (own, extraPositions) = hooks.PooledPositions(hh, ww);
            queries = queries + posQ.forward(own);
            keys = keys + posK!.forward(extra is null ? own : cat([own, extraPositions
                ?? throw new ArgumentException("attention hooks: extra tokens need ExtraPosition when Position is given")], 1));
        }
        var o = F.scaled_dot_product_attention(Heads(queries), Heads(keys), Heads(v.forward(kvTokens)));
        var h = x + proj.forward(o.transpose(1, 2).reshape(n, -1, c)).transpose(1, 2).reshape(n, c, hh, ww);
        if (crossNorm is null || context is null) return h;
        var ct = crossNorm.forward(h).flatten(2).transpose(1, 2);
        var co = F.scaled_dot_product_attention(Heads(crossQ!.forward(ct)), Heads(crossK!.forward(context)), Heads(crossV!.forward(context)));
        return h + crossProj!.forward(co.transpose(1, 2).reshape(n, -1, c)).transpose(1, 2).reshape(n, c, hh, ww);
    }

    public long Flops(long h, long w, long extraTokens = 0, long contextTokens = 1)
    {
        long t = h * w, c = Channels, kv = t + extraTokens;
        var self = 2 * t * c * c * 2 + 2 * kv * c * c * 2 + 2 * 2 * t * kv * c;
        var cross = crossQ is null ? 0 : 2 * t * c * c * 2 + 2 * contextTokens * contextDim * c * 2 + 2 * 2 * t * contextTokens * c;
        return self + cross;
    }
}

/// <summary>Downsampling by a stride-2 3x3 convolution.</summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    public int Channels { get; }

    public Downsample(int channels) : base(nameof(Downsample))
    {
        Channels = channels;
        conv = Layers.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x);
    public long Flops(long h, long w) => 2 * (h / 2) * (w / 2) * 9 * Channels * Channels;
}

/// <summary>Nearest-neighbour x2 upsampling followed by a 3x3 convolution.</summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    public int Channels { get; }

    public Upsample(int channels) : base(nameof(Upsample))
    {
        Channels = channels;
        conv = Layers.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(F.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest));
    public long Flops(long h, long w) => 2 * (2 * h) * (2 * w) * 9 * Channels * Channels;
}
