using InstantViews.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Diffusion;

/// <summary>Samplers and inversion against the closed-form denoiser of Gaussian data x ~ N(mu, tau^2 I).</summary>
public class SamplerTests
{
    public SamplerTests() => TestTorch.Init();

    const double Mu = 0.3, Tau = 0.5;

    // D*(x; s) = (tau^2 x + s^2 mu) / (tau^2 + s^2)
    static IDenoiser Gaussian() => new LambdaDenoiser((x, s) =>
    {
        var s2 = s.to_type(ScalarType.Float64).square().view(-1, 1, 1, 1);
        return ((Tau * Tau * x.to_type(ScalarType.Float64) + s2 * Mu) / (Tau * Tau + s2)).to_type(x.dtype);
    });

    // Along a PF-ODE trajectory: x_s = mu + (x_s0 - mu) sqrt(tau^2 + s^2) / sqrt(tau^2 + s0^2).
    static Tensor Exact(Tensor x0, double s0, double s1) => Mu + (x0 - Mu) * Math.Sqrt(Tau * Tau + s1 * s1) / Math.Sqrt(Tau * Tau + s0 * s0);

    static Tensor Start(int seed = 0) => randn(new long[] { 8, 1, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator((ulong)seed)) * 80;

    static double MaxError(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    [Theory]
    [InlineData(40, 79)]
    [InlineData(18, 35)]
    [InlineData(1, 1)]
    public void Heun_nfe_is_2N_minus_1(int steps, int nfe)
    {
        var r = Samplers.Heun(Gaussian(), Start(), NoiseGrid.Karras(steps));
        Assert.Equal(nfe, r.Nfe);
    }

    [Fact]
    public void Euler_nfe_is_N_and_guidance_counts_both_evaluations()
    {
        Assert.Equal(10, Samplers.Euler(Gaussian(), Start(), NoiseGrid.Karras(10)).Nfe);
        var guided = new GuidedDenoiser(Gaussian(), Gaussian(), 3.5);
        Assert.Equal(20, Samplers.Euler(guided, Start(), NoiseGrid.Karras(10)).Nfe);
        Assert.Equal(2 * 79, Samplers.Heun(guided, Start(), NoiseGrid.Karras(40)).Nfe);
    }

    [Fact]
    public void Heun_and_Euler_converge_to_exact_solution_and_Heun_wins()
    {
        var x = Start();
        var exact = Exact(x, 80, 0);
        double prevEuler = double.MaxValue, prevHeun = double.MaxValue;
        foreach (var n in new[] { 16, 32, 64, 128 })
        {
            var euler = MaxError(Samplers.Euler(Gaussian(), x, NoiseGrid.Karras(n)).X, exact);
            var heun = MaxError(Samplers.Heun(Gaussian(), x, NoiseGrid.Karras(n)).X, exact);
            Assert.True(heun < euler, $"N={n}: heun {heun} vs euler {euler}");
            Assert.True(euler < prevEuler && heun < prevHeun, $"N={n}: errors must shrink");
            prevEuler = euler;
            prevHeun = heun;
        }
        Assert.True(prevHeun < 2e-3, $"Heun N=128 error {prevHeun}");
    }

    [Fact]
    public void Dpm_solver_2m_is_second_order_beats_euler_at_equal_evaluations_and_costs_N()
    {
        var x = Start();
        var exact = Exact(x, 80, 0);
        var errors = new List<double>();
        foreach (var n in new[] { 16, 32, 64 })
        {
            var dpm = Samplers.DpmPlusPlus2M(Gaussian(), x, NoiseGrid.Karras(n));
            Assert.Equal(n, dpm.Nfe);
            var error = MaxError(dpm.X, exact);
            var euler = MaxError(Samplers.Euler(Gaussian(), x, NoiseGrid.Karras(n)).X, exact);
            Assert.True(error < euler / 2, $"N={n}: dpm++2m {error} vs euler {euler}");
            errors.Add(error);
        }
        // Second order: doubling N divides the error by about 4 (at least 3 here).
        Assert.True(errors[0] / errors[1] > 3 && errors[1] / errors[2] > 3, string.Join(", ", errors));
    }

    [Fact]
    public void Every_registered_sampler_reaches_the_exact_solution_and_reports_its_evaluations()
    {
        var x = Start();
        var exact = Exact(x, 80, 0);
        foreach (var name in SamplerRegistry.DeterministicNames)
        {
            var r = SamplerRegistry.Get(name)(Gaussian(), x, NoiseGrid.Karras(64));
            Assert.True(MaxError(r.X, exact) < 0.1, name);
            Assert.Equal(SamplerRegistry.Evaluations(name, 64), r.Nfe);
        }
        Assert.Throws<InstantViews.Runtime.UserError>(() => SamplerRegistry.Get("ddpm"));
    }

    [Fact]
    public void Stochastic_sampler_without_churn_is_heun_and_churn_changes_the_result()
    {
        var x = Start(3);
        var grid = NoiseGrid.Karras(12);
        var heun = Samplers.Heun(Gaussian(), x, grid).X;
        var noChurn = Samplers.Stochastic(Gaussian(), x, grid, new ChurnSettings(SChurn: 0), new Generator(8)).X;
        Assert.True(TensorAssert.Same(heun, noChurn));
        var churned = Samplers.Stochastic(Gaussian(), x, grid, new ChurnSettings(SChurn: 40), new Generator(8)).X;
        var again = Samplers.Stochastic(Gaussian(), x, grid, new ChurnSettings(SChurn: 40), new Generator(8)).X;
        Assert.True(MaxError(churned, heun) > 1e-3, "positive churn adds noise");
        Assert.True(TensorAssert.Same(churned, again), "a fixed generator fixes the result");
    }

    [Fact]
    public void Karras_grid_edge_cases_and_rho()
    {
        Assert.Equal(new[] { 80.0, 0 }, NoiseGrid.Karras(1));
        Assert.Equal(new[] { 80.0, 0.002, 0 }, NoiseGrid.Karras(2).Select(v => Math.Round(v, 12)));
        // rho = 1 spaces the points evenly.
        Assert.Equal(new[] { 3.0, 2, 1, 0 }, NoiseGrid.Karras(3, 1, 3, 1).Select(v => Math.Round(v, 12)));
        Assert.Contains("steps must be >= 1, got 0", Assert.Throws<ArgumentException>(() => NoiseGrid.Karras(0)).Message);
        Assert.Contains("0 < smin < smax", Assert.Throws<ArgumentException>(() => NoiseGrid.Karras(4, 0, 80)).Message);
        Assert.Contains("0 < smin < smax", Assert.Throws<ArgumentException>(() => NoiseGrid.Karras(4, 1, 1)).Message);
    }

    [Fact]
    public void Guided_and_clamped_denoisers_combine_their_parts()
    {
        var cond = new LambdaDenoiser((x, s) => x + 1);
        var uncond = new LambdaDenoiser((x, s) => x * 2, evaluationsPerCall: 2);
        var x = tensor(new[] { 0.5, -3.0 }).view(2, 1, 1, 1);
        var sigma = tensor(new[] { 1.0, 1.0 });
        // u + w (c - u) with u = 2x, c = x + 1, w = 3: 2x + 3 (1 - x) = 3 - x.
        var guided = new GuidedDenoiser(cond, uncond, 3);
        Assert.Equal(new[] { 2.5, 6.0 }, guided.Denoise(x, sigma).flatten().data<double>().ToArray());
        Assert.Equal(3, guided.EvaluationsPerCall);
        var clamped = new ClampedDenoiser(guided);
        Assert.Equal(new[] { 1.0, 1.0 }, clamped.Denoise(x, sigma).flatten().data<double>().ToArray());
        Assert.Equal(3, clamped.EvaluationsPerCall);
        Assert.Equal(new[] { -1.0, -1.0 }, new ClampedDenoiser(new LambdaDenoiser((v, s) => v - 5)).Denoise(x, sigma).flatten().data<double>().ToArray());
    }

    [Fact]
    public void Inversion_runs_the_solver_up_the_grid_on_the_clamped_denoiser_when_asked()
    {
        // Euler on the increasing 2-point grid (1, 2): x' = x + (2 - 1) (x - D) / 1 = 2x - D, one evaluation.
        var five = new LambdaDenoiser((x, s) => full_like(x, 5.0));
        var images = full(new long[] { 1, 1, 1, 1 }, 0.5, dtype: ScalarType.Float64);
        var clamped = Inversion.Invert(five, images, steps: 2, clamp: true, solver: "euler", sigmaMin: 1, sigmaMax: 2);
        Assert.Equal(2 * 0.5 - 1, clamped.X.item<double>(), 12);
        Assert.Equal(1, clamped.Nfe);
        Assert.Equal(2 * 0.5 - 5, Inversion.Invert(five, images, steps: 2, clamp: false, solver: "euler", sigmaMin: 1, sigmaMax: 2).X.item<double>(), 12);
    }

    [Fact]
    public void Round_trip_psnr_is_measured_on_the_unit_scale_after_clamping()
    {
        var a = zeros(2, 3, 4, 4);
        // A shift of 0.2 in [-1, 1] is 0.1 on [0, 1]: MSE 0.01, 20 dB.
        Assert.Equal(20, Inversion.Psnr(a, full_like(a, 0.2f)), 4);
        Assert.Equal(double.PositiveInfinity, Inversion.Psnr(a, a));
        // Values beyond the range count as the range's end: 3 is 1, so 0 vs 3 is a shift of 0.5: 6.02 dB.
        Assert.Equal(10 * Math.Log10(4), Inversion.Psnr(a, full_like(a, 3f)), 4);
    }

    [Theory]
    [InlineData(0.2, 0.05, 50, 0.2)]              // gamma = S_churn / N
    [InlineData(5.0, 0.05, 50, 0.41421356237)]    // capped at sqrt(2) - 1
    [InlineData(0.2, 3.0, 50, 0.0)]               // s = 2 below S_min: no churn
    [InlineData(0.2, 0.05, 1.5, 0.0)]             // s = 2 above S_max: no churn
    [InlineData(0.2, 2.0, 50, 0.2)]               // s = S_min: the range includes its ends
    [InlineData(0.2, 0.05, 2.0, 0.2)]             // s = S_max
    public void Stochastic_step_raises_the_noise_by_gamma_with_fresh_noise_then_takes_a_heun_step(double sChurn, double sMin, double sMax, double gamma)
    {
        // With D = 0 a Heun step from s_hat to 1 scales x by 1 / s_hat exactly; one step (N = 1) from s = 2.
        var zero = new LambdaDenoiser((x, s) => zeros_like(x));
        var x0 = tensor(new[] { 0.7, -1.3, 2.0 }, dtype: ScalarType.Float64).view(1, 3, 1, 1);
        var churn = new ChurnSettings(sChurn, sMin, sMax, SNoise: 1.5);
        var r = Samplers.Stochastic(zero, x0, [2.0, 1.0], churn, new Generator(6));
        var sHat = 2 * (1 + gamma);
        var fresh = randn(x0.shape, generator: new Generator(6)).to_type(ScalarType.Float64);
        var xHat = gamma > 0 ? x0 + Math.Sqrt(sHat * sHat - 4) * 1.5 * fresh : x0;
        var expected = (xHat / sHat).flatten().data<double>().ToArray();
        Assert.Equal(expected, r.X.flatten().data<double>().ToArray(), (IEqualityComparer<double>)new Tolerance(1e-6)); // the fresh noise is float32;
        Assert.Equal(2, r.Nfe);
    }

    [Fact]
    public void Karras_grid_matches_formula()
    {
        var g = NoiseGrid.Karras(5, 0.002, 80, 7);
        Assert.Equal(6, g.Length);
        Assert.Equal(80, g[0], 9);
        Assert.Equal(0.002, g[4], 12);
        Assert.Equal(0, g[5]);
        var mid = Math.Pow(Math.Pow(80, 1 / 7.0) + 0.5 * (Math.Pow(0.002, 1 / 7.0) - Math.Pow(80, 1 / 7.0)), 7);
        Assert.Equal(mid, g[2], 9);
        Assert.Equal(g[..5].Reverse(), NoiseGrid.KarrasIncreasing(5, 0.002, 80, 7));
    }

    [Fact]
    public void Inversion_takes_any_deterministic_solver_by_name_and_refuses_the_stochastic_one()
    {
        var data = Mu + Tau * randn(new long[] { 8, 1, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator(4));
        var analytic = Exact(data, 0.002, 80);
        // First-order Euler within 20% of smax at 64 points; the second-order solvers within 5%.
        foreach (var (solver, tolerance) in new[] { ("euler", 0.2), ("heun", 0.05), ("dpm++2m", 0.05) })
        {
            var inv = Inversion.Invert(Gaussian(), data, 64, clamp: false, solver: solver);
            Assert.True(MaxError(inv.X, analytic) / 80 < tolerance, $"{solver}: relative inversion error {MaxError(inv.X, analytic) / 80}");
        }
        Assert.True(MaxError(Inversion.Invert(Gaussian(), data, 64, clamp: false, solver: "heun").X, analytic)
                    < MaxError(Inversion.Invert(Gaussian(), data, 64, clamp: false, solver: "euler").X, analytic));
        // Each sampler's network evaluations for 10 points (the last step to 0 is a first-order one), and a name it does not know.
        Assert.Equal([10, 19, 19, 10], new[] { "euler", "heun", "sde", "dpm++2m" }.Select(n => InstantViews.Diffusion.SamplerRegistry.Info(n).Evaluations(10)));
        Assert.Equal("unknown sampler 'ddim': choose one of euler, heun, sde, dpm++2m",
            Assert.Throws<InstantViews.Runtime.UserError>(() => InstantViews.Diffusion.SamplerRegistry.Info("ddim")).Message);
        Assert.Equal("inversion needs a deterministic solver (euler, heun, dpm++2m), not 'sde'",
            Assert.Throws<InstantViews.Runtime.UserError>(() => Inversion.Invert(Gaussian(), data, 8, solver: "sde")).Message);
    }

    [Fact]
    public void Inversion_matches_analytic_noise_and_round_trip_shrinks_with_N()
    {
        var data = Mu + Tau * randn(new long[] { 8, 1, 4, 4 }, dtype: ScalarType.Float64, generator: new Generator(3));
        var analytic = Exact(data, 0.002, 80);
        double prev = double.MaxValue, prevRel = double.MaxValue;
        foreach (var n in new[] { 10, 20, 40 })
        {
            var inv = Inversion.Invert(Gaussian(), data, n, clamp: false);
            Assert.Equal(2 * (n - 1), inv.Nfe);
            var rel = MaxError(inv.X, analytic) / 80;
            var trip = Inversion.Check(Gaussian(), data, n, clamp: false);
            var err = MaxError(trip.Reconstruction, data);
            Assert.True(err < prev, $"N={n}: round trip error {err} must shrink");
            Assert.True(rel < prevRel, $"N={n}: inversion error {rel} must shrink");
            prev = err;
            prevRel = rel;
            if (n == 40)
            {
                // Discretisation error of reverse Heun on the 40-point grid, relative to smax.
                Assert.True(rel < 0.04, $"relative inversion error {rel}");
                Assert.True(trip.Psnr > 40, $"round-trip PSNR {trip.Psnr}");
            }
        }
    }

    [Fact]
    public void Stochastic_sampler_has_right_mean_and_variance()
    {
        var x = randn(new long[] { 4000, 1, 1, 1 }, dtype: ScalarType.Float64, generator: new Generator(5)) * 80;
        var r = Samplers.Stochastic(Gaussian(), x, NoiseGrid.Karras(32), new ChurnSettings(SChurn: 30), new Generator(6));
        var mean = r.X.mean().item<double>();
        var std = r.X.std().item<double>();
        Assert.InRange(mean, Mu - 0.05, Mu + 0.05);
        Assert.InRange(std, Tau * 0.93, Tau * 1.07);
        Assert.True(r.Nfe >= 63);
    }

    [Fact]
    public void Churn_divides_by_the_step_count_and_draws_noise_only_on_churned_steps()
    {
        // Two steps, 4 -> 2 -> 1, with D = 0 and churn only at s = 2 (S_min 1.5, S_max 2.5): the first step is a
        // plain Heun step (x / 2) that draws nothing, so the churned step uses the generator's first draw, and
        // gamma = S_churn / N = 0.4 / 2.
        var zero = new LambdaDenoiser((x, s) => zeros_like(x));
        var x0 = tensor(new[] { 0.7, -1.3, 2.0 }, dtype: ScalarType.Float64).view(1, 3, 1, 1);
        var r = Samplers.Stochastic(zero, x0, [4.0, 2.0, 1.0], new ChurnSettings(0.4, 1.5, 2.5, SNoise: 1.5), new Generator(6));
        var fresh = randn(x0.shape, generator: new Generator(6)).to_type(ScalarType.Float64);
        const double sHat = 2 * 1.2;
        var expected = ((x0 / 2 + Math.Sqrt(sHat * sHat - 4) * 1.5 * fresh) / sHat).flatten().data<double>().ToArray();
        Assert.Equal(expected, r.X.flatten().data<double>().ToArray(), (IEqualityComparer<double>)new Tolerance(1e-6));
        Assert.Equal(4, r.Nfe);
    }

    [Fact]
    public void Initial_noise_is_unit_noise_times_sigma_max()
    {
        var noise = Samplers.InitialNoise([2, 3, 4, 4], 80, new Generator(3));
        var unit = randn(new long[] { 2, 3, 4, 4 }, generator: new Generator(3));
        Assert.Equal(0, (noise - unit * 80).abs().max().item<float>());
    }

    public static TheoryData<string> SamplerNames => [.. SamplerRegistry.Names];

    /// <summary>A registered sampler through the registry, callback included (the stochastic one seeded).</summary>
    static SampleResult Run(string sampler, Tensor x, double[] grid, StepCallback? callback = null) =>
        SamplerRegistry.Get(sampler)(Gaussian(), x, grid, new Generator(1), callback);

    [Theory]
    [MemberData(nameof(SamplerNames))]
    public void Every_sampler_reports_each_step_and_the_last_report_is_the_result(string sampler)
    {
        var steps = new List<int>();
        Tensor? last = null;
        var r = Run(sampler, Start(), NoiseGrid.Karras(6), (i, x, denoised) =>
        {
            steps.Add(i);
            last?.Dispose();
            last = x.clone().DetachFromDisposeScope(); // the step's scope ends after the report
        });
        Assert.Equal([0, 1, 2, 3, 4, 5], steps); // a Karras grid of 6 points ends with sigma = 0: six steps
        Assert.Equal(0, MaxError(last!, r.X));
    }

    [Theory]
    [MemberData(nameof(SamplerNames))]
    public void Every_sampler_frees_each_step_so_only_its_result_stays_alive(string sampler)
    {
        // No dispose scope around the call: a step's input that is not freed stays alive, one per step.
        var x = Start();
        Run(sampler, x, NoiseGrid.Karras(3)).X.Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var r = Run(sampler, x, NoiseGrid.Karras(12));
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        r.X.Dispose();
    }

    [Fact]
    public void Sampling_keeps_live_tensor_count_flat()
    {
        var x = Start();
        long Run()
        {
            using var scope = NewDisposeScope();
            Samplers.Heun(Gaussian(), x, NoiseGrid.Karras(20));
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        Run();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Run();
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before <= 2);
    }
}
