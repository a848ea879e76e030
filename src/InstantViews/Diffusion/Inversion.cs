using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>Result of inverting images and sampling them back.</summary>
public sealed record RoundTrip(Tensor Noise, Tensor Reconstruction, double Psnr, int InversionNfe, int SamplingNfe);

/// <summary>
/// Probability-flow ODE inversion (data -> noise): a deterministic solver of <see cref="SamplerRegistry"/> (euler, heun,
/// dpm++2m; not the stochastic one) runs on the increasing grid from smin to smax, starting from the clean image taken
/// as x at smin. PaGoDA uses reverse Heun on the 40-point grid with the denoiser clamped to [-1, 1].
/// </summary>
public static class Inversion
{
    public static SampleResult Invert(IDenoiser model, Tensor images, int steps = 40, bool clamp = true, string solver = "heun",
        double sigmaMin = NoiseGrid.DefaultSigmaMin, double sigmaMax = NoiseGrid.DefaultSigmaMax, double rho = NoiseGrid.DefaultRho)
    {
        var grid = NoiseGrid.KarrasIncreasing(steps, sigmaMin, sigmaMax, rho);
        var d = clamp ? new ClampedDenoiser(model) : model;
        return Deterministic(solver)(d, images, grid);
    }

    /// <summary>A registered solver that inversion can use: deterministic ones only (an ODE is inverted, not an SDE).</summary>
    public static Sampler Deterministic(string solver) => SamplerRegistry.Info(solver) is { Stochastic: false } info ? info.Run
        : throw new Runtime.UserError($"inversion needs a deterministic solver ({string.Join(", ", SamplerRegistry.DeterministicNames)}), not '{solver}'");

    /// <summary>Inverts, samples back with the same solver on the decreasing grid, and reports the PSNR (images in [-1, 1] mapped to [0, 1]).</summary>
    public static RoundTrip Check(IDenoiser model, Tensor images, int steps = 40, bool clamp = true, string solver = "heun",
        double sigmaMin = NoiseGrid.DefaultSigmaMin, double sigmaMax = NoiseGrid.DefaultSigmaMax, double rho = NoiseGrid.DefaultRho)
    {
        var inv = Invert(model, images, steps, clamp, solver, sigmaMin, sigmaMax, rho);
        var grid = NoiseGrid.Karras(steps, sigmaMin, sigmaMax, rho);
        var back = Deterministic(solver)(model, inv.X, grid);
        return new RoundTrip(inv.X, back.X, Psnr(back.X, images), inv.Nfe, back.Nfe);
    }

    /// <summary>PSNR in dB of two tensors in [-1, 1], computed on the [0, 1] scale over all elements.</summary>
    public static double Psnr(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var mse = ((a.clamp(-1, 1) - b.clamp(-1, 1)) / 2).square().mean().to_type(ScalarType.Float64).item<double>();
        return mse <= 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }
}
