using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>Any sampler, by one signature: denoiser, starting x at sigmas[0], the grid, and a generator for stochastic ones.</summary>
public delegate SampleResult Sampler(IDenoiser model, Tensor x, double[] sigmas, Generator? gen = null);

/// <summary>
/// Samplers by name (k-diffusion style): every verb, pipeline and benchmark that samples looks its sampler up here,
/// so a new sampler is one function in <see cref="Samplers"/> plus one line below.
/// </summary>
public static class SamplerRegistry
{
    static readonly Dictionary<string, Sampler> All = new()
    {
        ["euler"] = (m, x, s, _) => Samplers.Euler(m, x, s),
        ["heun"] = (m, x, s, _) => Samplers.Heun(m, x, s),
        ["sde"] = (m, x, s, g) => Samplers.Stochastic(m, x, s, gen: g),
        ["dpm++2m"] = (m, x, s, _) => Samplers.DpmPlusPlus2M(m, x, s),
    };

    public static IReadOnlyList<string> Names => [.. All.Keys];

    public static Sampler Get(string name) => All.TryGetValue(name, out var s) ? s
        : throw new UserError($"unknown sampler '{name}': choose one of {string.Join(", ", All.Keys)}");

    /// <summary>Network evaluations per image of <paramref name="name"/> on a Karras grid of <paramref name="steps"/> points, per denoiser call.</summary>
    public static int Evaluations(string name, int steps) => name is "heun" or "sde" ? 2 * steps - 1 : steps;
}
