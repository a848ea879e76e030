namespace InstantViews.Diffusion;

/// <summary>Noise-level grids (Karras et al. 2022, arXiv 2206.00364, Eq. 5 and Table 1).</summary>
public static class NoiseGrid
{
    public const double DefaultSigmaMin = 0.002, DefaultSigmaMax = 80, DefaultRho = 7;

    /// <summary>
    /// Karras grid, decreasing: s_i = (smax^(1/rho) + i/(N-1) (smin^(1/rho) - smax^(1/rho)))^rho, i = 0..N-1, then s_N = 0.
    /// Returns N + 1 values.
    /// </summary>
    public static double[] Karras(int steps, double sigmaMin = DefaultSigmaMin, double sigmaMax = DefaultSigmaMax, double rho = DefaultRho)
    {
        if (steps < 1) throw new ArgumentException($"steps must be >= 1, got {steps}");
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) throw new ArgumentException($"need 0 < smin < smax, got {sigmaMin}, {sigmaMax}");
        var s = new double[steps + 1];
        double a = Math.Pow(sigmaMax, 1 / rho), b = Math.Pow(sigmaMin, 1 / rho);
        for (int i = 0; i < steps; i++)
            s[i] = steps == 1 ? sigmaMax : Math.Pow(a + (double)i / (steps - 1) * (b - a), rho);
        s[steps] = 0;
        return s;
    }

    /// <summary>The increasing grid for PF-ODE inversion: the Karras points from smin up to smax (N values, no zero).</summary>
    public static double[] KarrasIncreasing(int steps, double sigmaMin = DefaultSigmaMin, double sigmaMax = DefaultSigmaMax, double rho = DefaultRho) =>
        Karras(steps, sigmaMin, sigmaMax, rho)[..steps].Reverse().ToArray();
}
