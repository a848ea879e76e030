using InstantViews.Nn;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>EDM preconditioning coefficients (Karras et al. 2022, arXiv 2206.00364, Table 1), sigma_data = 0.5.</summary>
public static class Edm
{
    public const double SigmaData = 0.5;

    public static Tensor CSkip(Tensor s) => SigmaData * SigmaData / (s.square() + SigmaData * SigmaData);
    public static Tensor COut(Tensor s) => s * SigmaData / (s.square() + SigmaData * SigmaData).sqrt();
    public static Tensor CIn(Tensor s) => 1 / (s.square() + SigmaData * SigmaData).sqrt();
    public static Tensor CNoise(Tensor s) => s.log() / 4;

    /// <summary>Loss weight lambda(s) = (s^2 + sd^2) / (s sd)^2.</summary>
    public static Tensor LossWeight(Tensor s) => (s.square() + SigmaData * SigmaData) / (s * SigmaData).square();

    static Tensor B(Tensor s) => s.view(-1, 1, 1, 1);

    /// <summary>D(x; s) = c_skip x + c_out F(c_in x, c_noise, inputs).</summary>
    public static Tensor Denoise(UNet net, Tensor x, Tensor sigma, UNetInputs? inputs = null) =>
        Precondition((xIn, noise) => net.Forward(xIn, noise, inputs), x, sigma);

    /// <summary>D(x; s) = c_skip x + c_out F(c_in x, c_noise) for any network F (e.g. one that also takes unscaled conditions).</summary>
    public static Tensor Precondition(Func<Tensor, Tensor, Tensor> network, Tensor x, Tensor sigma)
    {
        var s = B(sigma.to_type(ScalarType.Float32));
        var f = network(CIn(s) * x, CNoise(sigma.to_type(ScalarType.Float32)));
        return CSkip(s) * x + COut(s) * f;
    }
}

/// <summary>An EDM-preconditioned U-Net as a sampler-ready denoiser, with optional fixed conditioning.</summary>
public sealed class EdmDenoiser(UNet net, UNetInputs? inputs = null) : IDenoiser
{
    public UNet Net { get; } = net;
    public Tensor Denoise(Tensor x, Tensor sigma) => Edm.Denoise(Net, x, sigma, inputs);
}

/// <summary>
/// The EDM training loss: ln(sigma) ~ N(P_mean, P_std^2), weight lambda(sigma), L = lambda ||D(x + sigma n; sigma) - x||^2,
/// averaged over elements. Optional horizontal flips (applied to the whole sample) as augmentation.
/// </summary>
public sealed record EdmLoss(double PMean = -1.2, double PStd = 1.2)
{
    /// <summary>Per-sample loss [N] for clean images x [N,C,H,W] in [-1, 1].</summary>
    public Tensor PerSample(Func<Tensor, Tensor, Tensor> denoise, Tensor x, Generator? gen = null)
    {
        var n = x.shape[0];
        var sigma = (randn(n, generator: gen).to(x.device) * PStd + PMean).exp();
        var noise = randn(x.shape, generator: gen).to(x.device);
        var d = denoise(x + noise * sigma.view(-1, 1, 1, 1), sigma);
        return (Edm.LossWeight(sigma).view(-1, 1, 1, 1) * (d - x).square()).mean([1, 2, 3]);
    }

    /// <summary>Flips a random half of the batch horizontally.</summary>
    public static Tensor RandomFlip(Tensor x, Generator? gen = null)
    {
        var flip = (rand(x.shape[0], generator: gen) < 0.5).to(x.device);
        return where(flip.view(-1, 1, 1, 1), x.flip(3), x);
    }
}
