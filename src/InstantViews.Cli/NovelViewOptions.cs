using System.CommandLine;
using InstantViews.Diffusion;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>Helpers the novel-view verbs share: the sampler option, what a run of the semantic preserver costs, depth re-estimation.</summary>
public static class NovelViewOptions
{
    /// <summary>"N semantic-preserver pass(es), " when the generator ran its preserver (not counted in NFE), else "".</summary>
    public static string Preserver(int passes) => passes == 0 ? "" : $"{passes} semantic-preserver pass{(passes == 1 ? "" : "es")}, ";

    public static Option<string> SamplerOption()
    {
        var o = new Option<string>("--sampler") { Description = "heun (2N-1 evaluations), euler (N), dpm++2m (N) or sde (2N-1, stochastic); default: the model's (heun)" };
        o.AcceptOnlyFromAmong([.. SamplerRegistry.Names]);
        return o;
    }

    public static Func<Tensor, Geometry.Camera, Tensor>? Redepth(Depth.IDepthEstimator estimator) =>
        estimator.FixedMap ? null : (rgb, cam) => estimator.Estimate(rgb, cam);
}
