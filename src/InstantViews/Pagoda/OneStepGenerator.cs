using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Pagoda;

/// <summary>A one-step generator: the teacher's U-Net (copied) plus grown decoder levels, each doubling the output size.</summary>
public sealed record GeneratorConfig
{
    public UNetConfig Net { get; init; } = new();
    /// <summary>Growth levels added so far (0 = base resolution).</summary>
    public int Levels { get; init; }
    /// <summary>Channels of each growth level.</summary>
    public int LevelChannels { get; init; } = 64;
    /// <summary>Noise scale of the input: z ~ N(0, SigmaMax^2 I) at the base resolution.</summary>
    public double SigmaMax { get; init; } = 80;
}

/// <summary>
/// One growth level (PaGoDA stage 3): an upsampling residual block (nearest x2 inside), two residual blocks, and a
/// zero-initialised head that adds detail to the bilinearly upsampled image of the level below.
/// No attention and no skips from the encoder. A guided level (<c>guideChannels</c> &gt; 0) also reads a guide map at
/// its own resolution, concatenated to the upsampled features (one-step GenWarp: the warped source and its holes).
/// </summary>
public sealed class GrowthLevel : nn.Module
{
    readonly ResBlock up, block1, block2;
    readonly GroupNorm norm;
    readonly Conv2d head;

    public GrowthLevel(int inChannels, int channels, int embDim, int outChannels, int guideChannels = 0) : base(nameof(GrowthLevel))
    {
        GuideChannels = guideChannels;
        up = new ResBlock(inChannels + guideChannels, channels, embDim, 0);
        block1 = new ResBlock(channels, channels, embDim, 0);
        block2 = new ResBlock(channels, channels, embDim, 0);
        norm = Layers.GroupNorm(Layers.Groups(channels, 32, 4), channels);
        head = Layers.Zero(Layers.Conv2d(channels, outChannels, 3, padding: 1));
        RegisterComponents();
    }

    public Conv2d HeadConv => head;

    /// <summary>Channels of the guide map this level reads (0: none).</summary>
    public int GuideChannels { get; }

    /// <summary>Returns (features at 2x, image at 2x = upsample(image) + head(features)); <paramref name="guide"/> [N, GuideChannels, 2h, 2w].</summary>
    public (Tensor Features, Tensor Image) Forward(Tensor features, Tensor image, Tensor emb, Tensor? guide = null)
    {
        if ((guide is null) != (GuideChannels == 0) || (guide is not null && guide.shape[1] != GuideChannels))
            throw new ArgumentException($"this growth level reads {GuideChannels} guide channels, got {(guide is null ? "none" : guide.shape[1].ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        var x = F.interpolate(features, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        var h = up.forward(guide is null ? x : cat([x, guide], 1), emb);
        h = block2.forward(block1.forward(h, emb), emb);
        var upImage = F.interpolate(image, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
        return (h, upImage + head.forward(F.silu(norm.forward(h))));
    }
}

/// <summary>
/// PaGoDA's generator: G(z) = F(c_in(smax) z, c_noise(smax)) — the teacher network's raw output taken as the
/// image (no skip term) — then one <see cref="GrowthLevel"/> per doubling. The input noise always has the base
/// resolution.
/// </summary>
[ModelKind("pagoda-generator", typeof(GeneratorConfig))]
public sealed class OneStepGenerator : nn.Module, ICheckpointable
{
    public GeneratorConfig Cfg { get; }
    public string Kind => "pagoda-generator";
    public object Config => Cfg;
    public UNet Net => net;
    readonly UNet net;
    readonly ModuleList<GrowthLevel> levels = new();

    public OneStepGenerator(GeneratorConfig config) : base(nameof(OneStepGenerator))
    {
        Cfg = config;
        net = new UNet(config.Net);
        for (int l = 0; l < config.Levels; l++)
            levels.Add(new GrowthLevel(l == 0 ? net.LastChannels : config.LevelChannels, config.LevelChannels, config.Net.EmbeddingDim, config.Net.OutChannels));
        RegisterComponents();
    }

    public int BaseResolution => Cfg.Net.Resolution;
    public int OutputResolution => Cfg.Net.Resolution << Cfg.Levels;
    public IReadOnlyList<GrowthLevel> Levels => levels.ToList();

    /// <summary>The generator initialised from a teacher U-Net (stage 2 starts here).</summary>
    public static OneStepGenerator FromTeacher(UNet teacher, double sigmaMax)
    {
        var g = new OneStepGenerator(new GeneratorConfig { Net = teacher.Cfg, SigmaMax = sigmaMax });
        g.Net.load_state_dict(teacher.state_dict());
        return g;
    }

    /// <summary>A copy with one more growth level (zero head: it starts as the upsampled current output).</summary>
    public OneStepGenerator Grow(int? levelChannels = null)
    {
        var g = new OneStepGenerator(Cfg with { Levels = Cfg.Levels + 1, LevelChannels = levelChannels ?? Cfg.LevelChannels });
        var target = g.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, t) in state_dict()) target[name].copy_(t);
        return g;
    }

    /// <summary>Images at every resolution, base first: [N,3,r,r], [N,3,2r,2r], ...</summary>
    public List<Tensor> ForwardAll(Tensor z)
    {
        var s = full(z.shape[0], Cfg.SigmaMax, dtype: ScalarType.Float32, device: z.device);
        var (features, emb) = net.ForwardFeatures(z * Edm.CIn(s).view(-1, 1, 1, 1), Edm.CNoise(s));
        var image = net.Head(features);
        var outputs = new List<Tensor> { image };
        foreach (var level in levels)
        {
            (features, image) = level.Forward(features, image, emb);
            outputs.Add(image);
        }
        return outputs;
    }

    /// <summary>One network evaluation: base-resolution noise to an image at the output resolution.</summary>
    public Tensor Forward(Tensor z) => ForwardAll(z)[^1];

    /// <summary>The last layer's weight (where the adaptive adversarial weight is measured).</summary>
    public Parameter LastLayerWeight => levels.Count == 0 ? net.OutputConv.weight! : levels[^1].HeadConv.weight!;

    /// <summary>
    /// Parameters trained at the current stage: everything at the base stage; when grown, the late decoder of the
    /// U-Net and all growth levels (the encoder, middle and early decoder are frozen).
    /// </summary>
    public List<(string Name, Parameter Param)> TrainableParameters()
    {
        if (levels.Count == 0) return named_parameters().ToList();
        var late = net.LateDecoderParameters().Select(p => "net." + p.Name).ToHashSet();
        return named_parameters().Where(p => p.name.StartsWith("levels.", StringComparison.Ordinal) || late.Contains(p.name)).ToList();
    }

    /// <summary>Draws base-resolution input noise z ~ N(0, SigmaMax^2 I).</summary>
    public Tensor SampleNoise(int count, Generator? gen = null) =>
        randn([count, Cfg.Net.InChannels, BaseResolution, BaseResolution], generator: gen) * Cfg.SigmaMax;
}
