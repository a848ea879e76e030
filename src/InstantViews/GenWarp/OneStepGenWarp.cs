using InstantViews.Nn;
using InstantViews.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>A one-step GenWarp: the teacher's architecture and the noise level its single evaluation starts from.</summary>
public sealed record OneStepGenWarpConfig
{
    public GenWarpConfig Model { get; init; } = new();
    /// <summary>z ~ N(0, SigmaMax^2 I); the generator evaluates the denoiser once, at this noise level.</summary>
    public double SigmaMax { get; init; } = 40;
}

/// <summary>
/// One-step GenWarp (brief onestep.md): G(z, c) = D(z; sigma_max | c), the GenWarp denoiser evaluated once at the
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

    public OneStepGenWarp(OneStepGenWarpConfig config) : base(nameof(OneStepGenWarp))
    {
        if (!(config.SigmaMax > 0) || !double.IsFinite(config.SigmaMax)) throw new ArgumentException($"one-step GenWarp: SigmaMax must be positive, got {config.SigmaMax}");
        Cfg = config;
        genwarp = new GenWarpModel(config.Model);
        RegisterComponents();
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

    /// <summary>G(z, c): one network evaluation; z [N,3,H,W] already scaled by sigma_max.</summary>
    public Tensor Generate(Tensor z, GenWarpCondition condition) =>
        genwarp.Denoise(z, full(z.shape[0], Cfg.SigmaMax, dtype: ScalarType.Float32, device: z.device), condition);

    /// <summary>Views for a batch of warps of prepared sources: fresh noise from <paramref name="gen"/>, one evaluation.</summary>
    public Tensor Generate(GenWarpSource source, Tensor targetEmbedding, Generator? gen = null)
    {
        var shape = new[] { targetEmbedding.shape[0], 3L, targetEmbedding.shape[2], targetEmbedding.shape[3] };
        var z = (randn(shape, generator: gen) * Cfg.SigmaMax).to(targetEmbedding.device);
        return Generate(z, source.Repeat(targetEmbedding.shape[0]).For(targetEmbedding));
    }

    /// <summary>Views for a batch (source prepared here).</summary>
    public Tensor Generate(NovelViewBatch batch, Generator? gen = null) => Generate(Prepare(batch.Source), batch.TargetEmbedding, gen);

    /// <summary>Parameters distillation trains: the denoising U-Net and its pose guider (the preserver side stays the teacher's).</summary>
    public List<(string Name, Parameter Param)> TrainableParameters() => named_parameters()
        .Where(p => p.name.StartsWith("genwarp.denoiser.", StringComparison.Ordinal) || p.name.StartsWith("genwarp.targetGuider.", StringComparison.Ordinal))
        .ToList();

    /// <summary>The last layer's weight (where the adaptive adversarial weight is measured).</summary>
    public Parameter LastLayerWeight => genwarp.DenoiserNet.OutputConv.weight!;
}
