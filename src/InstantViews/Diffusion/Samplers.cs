using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>A sampler's result: the final x and the network evaluations it took (counted, not assumed).</summary>
public readonly record struct SampleResult(Tensor X, int Nfe);

/// <summary>Called after each step with (step index, current x, denoised estimate).</summary>
public delegate void StepCallback(int step, Tensor x, Tensor denoised);

/// <summary>Settings of EDM's stochastic sampler ("churn").</summary>
public sealed record ChurnSettings(double SChurn = 40, double SMin = 0.05, double SMax = 50, double SNoise = 1.003);

/// <summary>
/// ODE/SDE solvers for the probability-flow ODE dx/ds = (x - D(x; s)) / s, one function per sampler with one
/// signature (denoiser, x, sigmas, callback). The grid may be decreasing (sampling) or increasing (inversion).
/// Each sampler is its update rule; <see cref="Run"/> holds the loop, the evaluation count and the dispose scopes.
/// </summary>
public static class Samplers
{
    /// <summary>The denoiser as a step sees it: D(x; sigma), each call counted in the result's NFE.</summary>
    delegate Tensor Denoise(Tensor x, double sigma);

    /// <summary>One step from x at sigmas[i]: the next x and the denoised estimate (previous: the last step's estimate, for multistep rules).</summary>
    delegate (Tensor Next, Tensor Denoised) StepRule(Denoise denoise, int i, Tensor x, Tensor? previous);

    /// <summary>The ODE's derivative dx/ds = (x - D) / sigma (k-diffusion's to_d).</summary>
    static Tensor ToD(Tensor x, Tensor denoised, double sigma) => (x - denoised) / sigma;

    /// <summary>
    /// Runs <paramref name="step"/> over the grid, each step in its own dispose scope so memory stays flat; only the
    /// new x (and, when <paramref name="keepDenoised"/>, the step's estimate for the next one) outlive it.
    /// </summary>
    static SampleResult Run(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback, StepRule step, bool keepDenoised = false)
    {
        var nfe = 0;
        Tensor Denoise(Tensor at, double sigma)
        {
            nfe += model.EvaluationsPerCall;
            return model.Denoise(at, full(at.shape[0], sigma, dtype: ScalarType.Float32, device: at.device));
        }
        x = x.alias();
        Tensor? previous = null;
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            using var scope = NewDisposeScope();
            var (next, denoised) = step(Denoise, i, x, previous);
            callback?.Invoke(i, next, denoised);
            if (keepDenoised)
            {
                previous?.Dispose();
                previous = denoised.MoveToOuterDisposeScope();
            }
            var old = x;
            x = next.MoveToOuterDisposeScope();
            old.Dispose();
        }
        previous?.Dispose();
        return new SampleResult(x, nfe);
    }

    /// <summary>Euler (= DDIM with eta 0 in this parametrisation): N - 1 steps, one evaluation each.</summary>
    public static SampleResult Euler(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null) =>
        Run(model, x, sigmas, callback, (denoise, i, x, _) =>
        {
            var denoised = denoise(x, sigmas[i]);
            return (x + (sigmas[i + 1] - sigmas[i]) * ToD(x, denoised, sigmas[i]), denoised);
        });

    /// <summary>EDM's Heun (Algorithm 1): an Euler step, then a trapezoidal correction unless the next sigma is 0. NFE = 2N - 1 on a Karras grid of N steps.</summary>
    public static SampleResult Heun(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null) =>
        Run(model, x, sigmas, callback, (denoise, i, x, _) => HeunStep(denoise, x, sigmas[i], sigmas[i + 1]));

    static (Tensor Next, Tensor Denoised) HeunStep(Denoise denoise, Tensor x, double s, double sNext)
    {
        var denoised = denoise(x, s);
        var d = ToD(x, denoised, s);
        var xNext = x + (sNext - s) * d;
        if (sNext == 0) return (xNext, denoised);
        // Second-order correction with the slope at the end of the step.
        var d2 = ToD(xNext, denoise(xNext, sNext), sNext);
        return (x + (sNext - s) * (d + d2) / 2, denoised);
    }

    /// <summary>
    /// EDM's stochastic sampler (Algorithm 2): before step i, if SMin &lt;= s_i &lt;= SMax, raise the noise to
    /// s_hat = s_i (1 + gamma), gamma = min(SChurn / N, sqrt(2) - 1), by adding fresh noise, then take a Heun step from s_hat.
    /// </summary>
    public static SampleResult Stochastic(IDenoiser model, Tensor x, double[] sigmas, ChurnSettings? churn = null, Generator? gen = null, StepCallback? callback = null)
    {
        var c = churn ?? new ChurnSettings();
        var steps = sigmas.Length - 1;
        return Run(model, x, sigmas, callback, (denoise, i, x, _) =>
        {
            var s = sigmas[i];
            var gamma = s >= c.SMin && s <= c.SMax ? Math.Min(c.SChurn / steps, Math.Sqrt(2) - 1) : 0;
            var sHat = s * (1 + gamma);
            var xHat = gamma > 0 ? x + Math.Sqrt(sHat * sHat - s * s) * c.SNoise * randn(x.shape, generator: gen, device: x.device) : x;
            return HeunStep(denoise, xHat, sHat, sigmas[i + 1]);
        });
    }

    /// <summary>
    /// DPM-Solver++(2M) (Lu et al. 2022, multistep, data prediction) in t = -log sigma: the first step and the step to
    /// sigma = 0 are first order; later steps extrapolate the denoised estimate from the previous one,
    /// D' = (1 + 1/(2r)) D_i - 1/(2r) D_{i-1} with r = h_{i-1} / h_i, then x_{i+1} = (s_{i+1}/s_i) x_i - expm1(-h_i) D'.
    /// One evaluation per step: NFE = N on a Karras grid of N points.
    /// </summary>
    public static SampleResult DpmPlusPlus2M(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null) =>
        Run(model, x, sigmas, callback, (denoise, i, x, previous) =>
        {
            var (s, sNext) = (sigmas[i], sigmas[i + 1]);
            var denoised = denoise(x, s);
            if (sNext == 0) return (denoised.alias(), denoised);
            var h = Math.Log(s / sNext);
            var d = denoised;
            if (previous is not null)
            {
                var r = Math.Log(sigmas[i - 1] / s) / h;
                d = (1 + 1 / (2 * r)) * denoised - 1 / (2 * r) * previous;
            }
            return (sNext / s * x - (Math.Exp(-h) - 1) * d, denoised);
        }, keepDenoised: true);

    /// <summary>Draws the starting noise x_0 = smax * n for a batch.</summary>
    public static Tensor InitialNoise(long[] shape, double sigmaMax, Generator? gen = null, Device? device = null) =>
        randn(shape, generator: gen, device: device) * sigmaMax;
}
