using InstantViews.GenWarp;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>
/// One-step GenWarp (PaGoDA applied to GenWarp; docs/genwarp.md, "One-step GenWarp"): G(z, c) = D(z; sigma_max | c), the GenWarp denoiser evaluated once at the
/// top noise level with every conditioning path kept (pose guider, reference tokens of the semantic preserver,
/// coordinate attention, global context). Initialised from the teacher it is exactly the teacher's denoiser at
/// sigma_max; distillation (<see cref="OneStepTrainer"/>) trains the denoising side and keeps the semantic preserver
/// and global encoder frozen, so a source's <see cref="GenWarpSource"/> is computed once per image and reused by
/// every view.
/// </summary>
[ModelKind("genwarp-1step", typeof(OneStepGenWarpConfig))]
public sealed class OneStepGenWarp : nn.Module, ICheckpointable
{
    public OneStepGenWarpConfig Cfg { get; }
    public string Kind => "genwarp-1step";
    public object Config => Cfg;
    public UNetConfig NetConfig => Cfg.Model.Net;
    public int SizeMultiple => 1 << (NetConfig.ChannelMult.Length - 1);
    readonly GenWarpModel genwarp;
    readonly ModuleList<GrowthLevel> levels = new();

    public OneStepGenWarp(OneStepGenWarpConfig config) : base(nameof(OneStepGenWarp))
    {
        if (!(config.SigmaMax > 0) || !double.IsFinite(config.SigmaMax)) throw new ArgumentException($"one-step GenWarp: SigmaMax must be positive, got {config.SigmaMax}");
        if (config.Levels is < 0 or > 3) throw new ArgumentException($"one-step GenWarp: Levels must be 0 to 3, got {config.Levels}");
        if (config.Levels > 0 && config.LevelChannels < 1) throw new ArgumentException($"one-step GenWarp: LevelChannels must be positive, got {config.LevelChannels}");
        if (!OneStepGenWarpConfig.LevelGuides.Contains(config.LevelGuide)) throw new ArgumentException($"one-step GenWarp: LevelGuide must be warp or none, got '{config.LevelGuide}'");
        Cfg = config;
        genwarp = new GenWarpModel(config.Model);
        var net = config.Model.Net;
        for (int l = 0; l < config.Levels; l++)
            levels.Add(new GrowthLevel(l == 0 ? net.Channels * net.ChannelMult[0] : config.LevelChannels, config.LevelChannels, net.EmbeddingDim, 3, config.GuideChannels));
        RegisterComponents();
    }

    /// <summary>Size of the views: the base resolution doubled once per growth level.</summary>
    public int OutputResolution => NetConfig.Resolution << Cfg.Levels;

    /// <summary>The growth levels, lowest first.</summary>
    public IReadOnlyList<GrowthLevel> Levels => levels.ToList();

    /// <summary>A copy with one more growth level (zero head: it starts as the bilinearly upsampled current output).</summary>
    public OneStepGenWarp Grow(int? levelChannels = null, string? guide = null)
    {
        var g = new OneStepGenWarp(Cfg with { Levels = Cfg.Levels + 1, LevelChannels = levelChannels ?? Cfg.LevelChannels, LevelGuide = guide ?? Cfg.LevelGuide });
        var target = g.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, t) in state_dict()) target[name].copy_(t);
        return g;
    }

    /// <summary>
    /// A copy whose base generator (the GenWarp network: everything but the growth levels) and lowest growth levels are
    /// <paramref name="baseModel"/>'s, and whose remaining growth levels are this model's: a grown model's upper levels
    /// moved onto a base trained since (a fine-tune of the levels then adapts them to it). The base must be a one-step
    /// GenWarp with fewer growth levels than this one, of the same GenWarp config, sigma_max and level settings: an
    /// ungrown 32-px model under a 64-px one, or a 64-px one under a 128-px one.
    /// </summary>
    public OneStepGenWarp WithBase(OneStepGenWarp baseModel)
    {
        if (Cfg.Levels == 0) throw new UserError("this one-step GenWarp has no growth level to move onto a new base (fine-tune the new base itself)");
        if (baseModel.Cfg.Levels >= Cfg.Levels)
            throw new UserError($"the new base must have fewer growth levels than the model moved onto it ({Cfg.Levels}), it has {baseModel.Cfg.Levels}");
        if (System.Text.Json.JsonSerializer.Serialize(baseModel.Cfg.Model, Json.Options) != System.Text.Json.JsonSerializer.Serialize(Cfg.Model, Json.Options)
            || Math.Abs(baseModel.Cfg.SigmaMax - Cfg.SigmaMax) > 1e-9)
            throw new UserError("the new base's GenWarp config or sigma_max differs from the grown model's: its levels would not fit it");
        if (baseModel.Cfg.Levels > 0 && (baseModel.Cfg.LevelChannels != Cfg.LevelChannels || baseModel.Cfg.LevelGuide != Cfg.LevelGuide))
            throw new UserError($"the new base's growth levels ({baseModel.Cfg.LevelChannels} channels, guide {baseModel.Cfg.LevelGuide}) differ from the grown model's ({Cfg.LevelChannels} channels, guide {Cfg.LevelGuide})");
        var g = new OneStepGenWarp(Cfg);
        var target = g.state_dict();
        var from = baseModel.state_dict();
        var fromBase = new List<string> { "genwarp." };
        for (int l = 0; l < baseModel.Cfg.Levels; l++) fromBase.Add($"levels.{l}.");
        using var noGrad = no_grad();
        foreach (var (name, t) in state_dict())
            target[name].copy_(fromBase.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)) ? from[name] : t);
        return g;
    }

    /// <summary>
    /// G(z, c) at every resolution, base first: one evaluation of the denoiser at sigma_max, then the growth levels.
    /// <paramref name="guides"/>: one map [N, 4, r, r] per level at that level's resolution (warped source RGB and hole
    /// mask, <see cref="GrowthGuides"/>), or null when the levels read none.
    /// </summary>
    public List<Tensor> GenerateAll(Tensor z, GenWarpCondition condition, IReadOnlyList<Tensor>? guides = null)
    {
        if (Cfg.GuideChannels > 0 && levels.Count > 0 && (guides is null || guides.Count < levels.Count))
            throw new ArgumentException($"this one-step GenWarp's {levels.Count} growth level(s) read the warped source: give one guide per level");
        var sigma = full(z.shape[0], Cfg.SigmaMax, dtype: ScalarType.Float32, device: z.device);
        if (levels.Count == 0) return [genwarp.Denoise(z, sigma, condition)];
        var (image, features, emb) = genwarp.DenoiseWithFeatures(z, sigma, condition);
        var outputs = new List<Tensor> { image };
        for (int l = 0; l < levels.Count; l++)
        {
            (features, image) = levels[l].Forward(features, image, emb, Cfg.GuideChannels > 0 ? guides![l] : null);
            outputs.Add(image);
        }
        return outputs;
    }

    /// <summary>The GenWarp network inside (its denoiser is what one step evaluates).</summary>
    public GenWarpModel GenWarp => genwarp;

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Stage 2 starts here: a copy of the teacher, so that G(z, c) = D_teacher(z; sigma_max | c).</summary>
    public static OneStepGenWarp FromTeacher(GenWarpModel teacher, double sigmaMax)
    {
        var g = new OneStepGenWarp(new OneStepGenWarpConfig { Model = teacher.Cfg, SigmaMax = sigmaMax });
        using var noGrad = no_grad();
        g.genwarp.load_state_dict(teacher.state_dict());
        return g;
    }

    /// <summary>The per-source condition (semantic preserver, global context): once per source image.</summary>
    public GenWarpSource Prepare(Tensor source) => genwarp.Prepare(source);

    /// <summary>G(z, c): one network evaluation; z [N,3,H,W] already scaled by sigma_max (base resolution).</summary>
    public Tensor Generate(Tensor z, GenWarpCondition condition, IReadOnlyList<Tensor>? guides = null) => GenerateAll(z, condition, guides)[^1];

    /// <summary>
    /// Views for a batch of warps of prepared sources: fresh noise from <paramref name="gen"/> at
    /// <paramref name="noiseScale"/> x sigma_max (the same draw at every scale), one evaluation.
    /// </summary>
    public Tensor Generate(GenWarpSource source, Tensor targetEmbedding, Generator? gen = null, IReadOnlyList<Tensor>? guides = null, double noiseScale = 1)
    {
        var shape = new[] { targetEmbedding.shape[0], 3L, targetEmbedding.shape[2], targetEmbedding.shape[3] };
        var z = (randn(shape, generator: gen) * (Cfg.SigmaMax * noiseScale)).to(targetEmbedding.device);
        return Generate(z, source.Repeat(targetEmbedding.shape[0]).For(targetEmbedding), guides);
    }

    /// <summary>Views for a batch (source prepared here).</summary>
    public Tensor Generate(NovelViewBatch batch, Generator? gen = null) => Generate(Prepare(batch.Source), batch.TargetEmbedding, gen);

    /// <summary>
    /// Parameters trained at the current stage. Base: the denoising U-Net and its pose guider (the preserver side stays
    /// the teacher's). Grown (as PaGoDA): the growth levels and the late decoder of the denoising U-Net.
    /// </summary>
    public List<(string Name, Parameter Param)> TrainableParameters()
    {
        if (levels.Count == 0)
            return named_parameters()
                .Where(p => p.name.StartsWith("genwarp.denoiser.", StringComparison.Ordinal) || p.name.StartsWith("genwarp.targetGuider.", StringComparison.Ordinal))
                .ToList();
        var late = genwarp.DenoiserNet.LateDecoderParameters().Select(p => "genwarp.denoiser." + p.Name).ToHashSet();
        return named_parameters().Where(p => p.name.StartsWith("levels.", StringComparison.Ordinal) || late.Contains(p.name)).ToList();
    }

    /// <summary>The last layer's weight (where the adaptive adversarial weight is measured).</summary>
    public Parameter LastLayerWeight => levels.Count == 0 ? genwarp.DenoiserNet.OutputConv.weight! : levels[^1].HeadConv.weight!;
}
