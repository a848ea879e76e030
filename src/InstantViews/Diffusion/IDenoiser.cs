using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>
/// D(x; sigma): the denoiser every sampler calls. x [N,C,H,W], sigma [N]. Conditions are bound inside the
/// implementation so that samplers stay one signature (k-diffusion style).
/// </summary>
public interface IDenoiser
{
    Tensor Denoise(Tensor x, Tensor sigma);

    /// <summary>Network evaluations one Denoise call costs (2 with classifier-free guidance).</summary>
    int EvaluationsPerCall => 1;
}

/// <summary>A denoiser from a function (closed-form test denoisers, clamping wrappers).</summary>
public sealed class LambdaDenoiser(Func<Tensor, Tensor, Tensor> denoise, int evaluationsPerCall = 1) : IDenoiser
{
    public Tensor Denoise(Tensor x, Tensor sigma) => denoise(x, sigma);
    public int EvaluationsPerCall => evaluationsPerCall;
}

/// <summary>Classifier-free guidance: D_uncond + w (D_cond - D_uncond); costs both evaluations.</summary>
public sealed class GuidedDenoiser(IDenoiser conditional, IDenoiser unconditional, double scale) : IDenoiser
{
    public Tensor Denoise(Tensor x, Tensor sigma)
    {
        var u = unconditional.Denoise(x, sigma);
        return u + scale * (conditional.Denoise(x, sigma) - u);
    }

    public int EvaluationsPerCall => conditional.EvaluationsPerCall + unconditional.EvaluationsPerCall;
}

/// <summary>Clamps another denoiser's output to [-1, 1] (used by PF-ODE inversion).</summary>
public sealed class ClampedDenoiser(IDenoiser inner) : IDenoiser
{
    public Tensor Denoise(Tensor x, Tensor sigma) => inner.Denoise(x, sigma).clamp(-1, 1);
    public int EvaluationsPerCall => inner.EvaluationsPerCall;
}
