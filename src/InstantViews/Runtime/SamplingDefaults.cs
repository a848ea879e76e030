using System.Globalization;
using InstantViews.Diffusion;

namespace InstantViews.Runtime;

/// <summary>
/// How a model is meant to be sampled: its noise range and data scale, the default grid points, guidance and sampler.
/// Trainers write it into the checkpoint header ("sampling"); <see cref="Of"/> is the one place that reads it.
/// The defaults are EDM's (sigma in [0.002, 80], sigma_data 0.5, 40 grid points).
/// </summary>
public sealed record SamplingDefaults
{
    public double SigmaMin { get; init; } = 0.002;
    public double SigmaMax { get; init; } = 80;
    public double SigmaData { get; init; } = 0.5;
    public int Steps { get; init; } = 40;
    public double Guidance { get; init; } = 1;
    public string Sampler { get; init; } = "heun";
    /// <summary>
    /// One-step models: the share of sigma_max their noise is drawn at, z = NoiseScale sigma_max n (1: the noise they
    /// were trained on; below 1, the truncation trick: views nearer the conditional mean, their fills smoother and
    /// closer to the truth in PSNR; 0: one deterministic view per camera). Diffusion samplers ignore it.
    /// </summary>
    public double NoiseScale { get; init; } = 1;

    /// <summary>
    /// The first value that cannot be sampled with, as "field must be ..., got value" (fields named as in the header),
    /// or null. The ranges are those of the matching options (--steps, --sigma-max, --guidance, --sampler), plus
    /// 0 &lt; sigmaMin &lt; sigmaMax.
    /// </summary>
    public string? Problem()
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        if (Steps < 1) return $"steps must be at least 1, got {Steps}";
        if (!(SigmaMin > 0) || !double.IsFinite(SigmaMin)) return $"sigmaMin must be positive and finite, got {N(SigmaMin)}";
        if (!(SigmaMax > SigmaMin) || !double.IsFinite(SigmaMax)) return $"sigmaMax must be finite and above sigmaMin ({N(SigmaMin)}), got {N(SigmaMax)}";
        if (!(SigmaData > 0) || !double.IsFinite(SigmaData)) return $"sigmaData must be positive and finite, got {N(SigmaData)}";
        if (!(Guidance >= 0) || !double.IsFinite(Guidance)) return $"guidance must be finite and not negative, got {N(Guidance)}";
        if (!(NoiseScale is >= 0 and <= 1)) return $"noiseScale must be 0 to 1, got {N(NoiseScale)}";
        if (!SamplerRegistry.Names.Contains(Sampler)) return $"sampler must be one of {string.Join(", ", SamplerRegistry.Names)}, got '{Sampler}'";
        return null;
    }

    /// <summary>
    /// The sampling defaults of a checkpoint. Files written before the header carried them fall back, once and only
    /// here, to the "sigma_max" metric their trainer recorded, and otherwise to the kind's training defaults:
    /// GenWarp-family models sigma_max 40, Heun 18 points (GenWarp with guidance 2); everything else sigma_max 80, 40 points.
    /// </summary>
    public static SamplingDefaults Of(CheckpointHeader header)
    {
        if (header.Sampling is { } s) return s;
        var novelView = header.Kind is "genwarp" or "warp-inpaint" or "genwarp-1step";
        var fallback = novelView
            ? new SamplingDefaults { SigmaMax = 40, Steps = 18, Guidance = header.Kind == "genwarp" ? 2 : 1 }
            : new SamplingDefaults();
        return header.Metrics.TryGetValue("sigma_max", out var smax) ? fallback with { SigmaMax = smax } : fallback;
    }
}
