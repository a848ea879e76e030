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
/// Each step runs in its own dispose scope so memory stays flat.
/// </summary>
public static class Samplers
{
    static Tensor Full(Tensor x, double s) => full(x.shape[0], s, dtype: ScalarType.Float32, device: x.device);

    static int Nfe(IDenoiser d) => d.EvaluationsPerCall;

    /// <summary>Euler (= DDIM with eta 0 in this parametrisation): N - 1 steps, one evaluation each.</summary>
    public static SampleResult Euler(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null)
    {
        var nfe = 0;
        x = x.alias();
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            using var scope = NewDisposeScope();
            var denoised = model.Denoise(x, Full(x, sigmas[i]));
            nfe += Nfe(model);
            var d = (x - denoised) / sigmas[i];
            var next = x + (sigmas[i + 1] - sigmas[i]) * d;
            callback?.Invoke(i, next, denoised);
            var old = x;
            x = next.MoveToOuterDisposeScope();
            old.Dispose();
        }
        return new SampleResult(x, nfe);
    }

    /// <summary>EDM's Heun (Algorithm 1): an Euler step, then a trapezoidal correction unless the next sigma is 0. NFE = 2N - 1 on a Karras grid of N steps.</summary>
    public static SampleResult Heun(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null)
    {
        var nfe = 0;
        x = x.alias();
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            using var scope = NewDisposeScope();
            var next = HeunStep(model, x, sigmas[i], sigmas[i + 1], ref nfe, out var denoised);
            callback?.Invoke(i, next, denoised);
            var old = x;
            x = next.MoveToOuterDisposeScope();
            old.Dispose();
        }
        return new SampleResult(x, nfe);
    }

    static Tensor HeunStep(IDenoiser model, Tensor x, double s, double sNext, ref int nfe, out Tensor denoised)
    {
        denoised = model.Denoise(x, Full(x, s));
        nfe += Nfe(model);
        var d = (x - denoised) / s;
        var xNext = x + (sNext - s) * d;
        if (sNext == 0) return xNext;
        // Second-order correction with the slope at the end of the step.
        var denoised2 = model.Denoise(xNext, Full(x, sNext));
        nfe += Nfe(model);
        var d2 = (xNext - denoised2) / sNext;
        return x + (sNext - s) * (d + d2) / 2;
    }

    /// <summary>
    /// EDM's stochastic sampler (Algorithm 2): before step i, if SMin &lt;= s_i &lt;= SMax, raise the noise to
    /// s_hat = s_i (1 + gamma), gamma = min(SChurn / N, sqrt(2) - 1), by adding fresh noise, then take a Heun step from s_hat.
    /// </summary>
    public static SampleResult Stochastic(IDenoiser model, Tensor x, double[] sigmas, ChurnSettings? churn = null, Generator? gen = null, StepCallback? callback = null)
    {
        var c = churn ?? new ChurnSettings();
        var nfe = 0;
        var steps = sigmas.Length - 1;
        x = x.alias();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var s = sigmas[i];
            var gamma = s >= c.SMin && s <= c.SMax ? Math.Min(c.SChurn / steps, Math.Sqrt(2) - 1) : 0;
            var sHat = s * (1 + gamma);
            var xHat = gamma > 0 ? x + Math.Sqrt(sHat * sHat - s * s) * c.SNoise * randn(x.shape, generator: gen, device: x.device) : x;
            var next = HeunStep(model, xHat, sHat, sigmas[i + 1], ref nfe, out var denoised);
            callback?.Invoke(i, next, denoised);
            var old = x;
            x = next.MoveToOuterDisposeScope();
            old.Dispose();
        }
        return new SampleResult(x, nfe);
    }

    /// <summary>
    /// DPM-Solver++(2M) (Lu et al. 2022, multistep, data prediction) in t = -log sigma: the first step and the step to
    /// sigma = 0 are first order; later steps extrapolate the denoised estimate from the previous one,
    /// D' = (1 + 1/(2r)) D_i - 1/(2r) D_{i-1} with r = h_{i-1} / h_i, then x_{i+1} = (s_{i+1}/s_i) x_i - expm1(-h_i) D'.
    /// One evaluation per step: NFE = N on a Karras grid of N points.
    /// </summary>
    public static SampleResult DpmPlusPlus2M(IDenoiser model, Tensor x, double[] sigmas, StepCallback? callback = null)
    {
        var nfe = 0;
        x = x.alias();
        Tensor? previous = null;
        for (int i = 0; i < sigmas.Length - 1; i++)
        {
            using var scope = NewDisposeScope();
            var (s, sNext) = (sigmas[i], sigmas[i + 1]);
            var denoised = model.Denoise(x, Full(x, s));
            nfe += Nfe(model);
            Tensor next;
            if (sNext == 0) next = denoised.alias();
            else
            {
                var h = Math.Log(s / sNext);
                var d = denoised;
                if (previous is not null)
                {
                    var r = Math.Log(sigmas[i - 1] / s) / h;
                    d = (1 + 1 / (2 * r)) * denoised - 1 / (2 * r) * previous;
                }
                next = sNext / s * x - (Math.Exp(-h) - 1) * d;
            }
            callback?.Invoke(i, next, denoised);
            previous?.Dispose();
            previous = denoised.MoveToOuterDisposeScope();
            var old = x;
            x = next.MoveToOuterDisposeScope();
            old.Dispose();
        }
        previous?.Dispose();
        return new SampleResult(x, nfe);
    }

    /// <summary>Draws the starting noise x_0 = smax * n for a batch.</summary>
    public static Tensor InitialNoise(long[] shape, double sigmaMax, Generator? gen = null, Device? device = null) =>
        randn(shape, generator: gen, device: device) * sigmaMax;
}
