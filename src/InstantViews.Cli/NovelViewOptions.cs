using System.CommandLine;
using InstantViews.Diffusion;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>Helpers the novel-view verbs share: the sampler option, what a run of the semantic preserver costs, depth re-estimation.</summary>
public static class NovelViewOptions
{
    /// <summary>"N semantic-preserver pass(es), " when the generator ran its preserver (not counted in NFE), else "".</summary>
    public static string Preserver(int passes) => passes == 0 ? "" : $"{passes} semantic-preserver pass{(passes == 1 ? "" : "es")}, ";

    /// <summary>--noise-scale: a one-step model's noise as a share of sigma_max (default: the model's header, 1 when it has none).</summary>
    public static Option<double?> NoiseScaleOption() => new("--noise-scale")
    {
        Description = "One-step models: draw the noise at this share of sigma_max (1: as trained; lower: smoother fills nearer the truth on average; 0: one deterministic view per camera; default: the model's)",
    };

    public static Option<string> SamplerOption()
    {
        var o = new Option<string>("--sampler") { Description = "heun (2N-1 evaluations), euler (N), dpm++2m (N) or sde (2N-1, stochastic); default: the model's (heun)" };
        o.AcceptOnlyFromAmong([.. SamplerRegistry.Names]);
        return o;
    }

    public static Func<Tensor, Geometry.Camera, Tensor>? Redepth(Depth.IDepthEstimator estimator) =>
        estimator.FixedMap ? null : (rgb, cam) => estimator.Estimate(rgb, cam);
}
