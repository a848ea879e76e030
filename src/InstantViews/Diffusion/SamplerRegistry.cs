using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>
/// Any sampler, by one signature: denoiser, starting x at sigmas[0], the grid, a generator for stochastic ones, and
/// the callback after each step.
/// </summary>
public delegate SampleResult Sampler(IDenoiser model, Tensor x, double[] sigmas, Generator? gen = null, StepCallback? callback = null);

/// <summary>
/// A registered sampler (k-diffusion's shape): its function, whether it draws noise (an SDE: it cannot be inverted),
/// and its network evaluations for N grid points (Karras grid, then 0) with a one-evaluation denoiser (a guided
/// denoiser multiplies them).
/// </summary>
public sealed record SamplerInfo(string Name, Sampler Run, bool Stochastic, Func<int, int> Evaluations);

/// <summary>
/// Samplers by name: every verb, pipeline, trainer and benchmark that samples looks its sampler up here, so a new
/// sampler is one function in <see cref="Samplers"/> plus one line below.
/// </summary>
public static class SamplerRegistry
{
    static readonly SamplerInfo[] All =
    [
        new("euler", (m, x, s, _, cb) => Samplers.Euler(m, x, s, cb), false, n => n),
        new("heun", (m, x, s, _, cb) => Samplers.Heun(m, x, s, cb), false, n => 2 * n - 1), // the last step, to 0, is Euler
        new("sde", (m, x, s, g, cb) => Samplers.Stochastic(m, x, s, gen: g, callback: cb), true, n => 2 * n - 1),
        new("dpm++2m", (m, x, s, _, cb) => Samplers.DpmPlusPlus2M(m, x, s, cb), false, n => n),
    ];

    public static IReadOnlyList<string> Names => [.. All.Select(s => s.Name)];

    /// <summary>The names of the deterministic samplers (the ones an ODE inversion can use).</summary>
    public static IReadOnlyList<string> DeterministicNames => [.. All.Where(s => !s.Stochastic).Select(s => s.Name)];

    public static SamplerInfo Info(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new UserError($"unknown sampler '{name}': choose one of {string.Join(", ", Names)}");

    public static Sampler Get(string name) => Info(name).Run;

    /// <summary>Network evaluations per image of <paramref name="name"/> on a Karras grid of <paramref name="steps"/> points, per denoiser call.</summary>
    public static int Evaluations(string name, int steps) => Info(name).Evaluations(steps);
}
