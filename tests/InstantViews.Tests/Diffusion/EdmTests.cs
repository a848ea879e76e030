using InstantViews.Diffusion;
using static TorchSharp.torch;

namespace InstantViews.Tests.Diffusion;

public class EdmTests
{
    public EdmTests() => TestTorch.Init();

    [Fact]
    public void Preconditioning_matches_hand_computed_values()
    {
        using var s = tensor(new[] { 1.0f, 0.5f });
        // s = 1: c_skip = 0.25/1.25 = 0.2, c_out = 0.5/sqrt(1.25), c_in = 1/sqrt(1.25), c_noise = 0.
        Assert.Equal(0.2f, Edm.CSkip(s)[0].item<float>(), 6);
        Assert.Equal(0.5f / MathF.Sqrt(1.25f), Edm.COut(s)[0].item<float>(), 6);
        Assert.Equal(1 / MathF.Sqrt(1.25f), Edm.CIn(s)[0].item<float>(), 6);
        Assert.Equal(0f, Edm.CNoise(s)[0].item<float>(), 6);
        // s = 0.5 = sigma_data: c_skip = 0.5, c_out = 0.25/sqrt(0.5), c_noise = ln(0.5)/4.
        Assert.Equal(0.5f, Edm.CSkip(s)[1].item<float>(), 6);
        Assert.Equal(0.25f / MathF.Sqrt(0.5f), Edm.COut(s)[1].item<float>(), 6);
        Assert.Equal(MathF.Log(0.5f) / 4, Edm.CNoise(s)[1].item<float>(), 6);
    }

    [Fact]
    public void Loss_weight_is_inverse_of_effective_target_variance()
    {
        using var s = tensor(new[] { 0.1f, 1f, 10f });
        var w = Edm.LossWeight(s);
        for (int i = 0; i < 3; i++)
        {
            var sv = s[i].item<float>();
            Assert.Equal((sv * sv + 0.25f) / (sv * sv * 0.25f), w[i].item<float>(), 3);
            // lambda * c_out^2 = 1: the network's effective target has unit weight at every sigma.
            Assert.Equal(1f, (w[i] * Edm.COut(s[i]).square()).item<float>(), 5);
        }
    }

    [Fact]
    public void Loss_of_the_ideal_denoiser_is_lower_than_of_a_wrong_one()
    {
        var x = full(new long[] { 256, 1, 2, 2 }, 0.3f);
        var loss = new EdmLoss();
        var gen = new TorchSharp.torch.Generator(1);
        var ideal = loss.PerSample((xn, s) => full_like(xn, 0.3f), x, gen).mean().item<float>();
        var wrong = loss.PerSample((xn, s) => full_like(xn, 0.0f), x, gen).mean().item<float>();
        Assert.Equal(0f, ideal, 6);
        Assert.True(wrong > 0.01f);
    }

    [Fact]
    public void Loss_draws_log_normal_sigmas_noises_the_data_and_weights_the_squared_error()
    {
        using var scope = NewDisposeScope();
        var x = rand([3, 1, 2, 2], generator: new TorchSharp.torch.Generator(4)) * 2 - 1;
        Tensor? seenX = null, seenSigma = null;
        // A denoiser that returns half its input: the error is known in terms of what it was given.
        var loss = new EdmLoss().PerSample((xn, s) => { (seenX, seenSigma) = (xn, s); return xn * 0.5; }, x, new TorchSharp.torch.Generator(8));
        // Replay: ln sigma = -1.2 + 1.2 n, then the noise, from the same generator.
        var replay = new TorchSharp.torch.Generator(8);
        var sigma = (randn(3, generator: replay) * 1.2 - 1.2).exp();
        var noisy = x + randn(x.shape, generator: replay) * sigma.view(-1, 1, 1, 1);
        Assert.True(seenSigma!.allclose(sigma, 1e-6, 1e-7));
        Assert.True(seenX!.allclose(noisy, 1e-6, 1e-6));
        for (int i = 0; i < 3; i++)
        {
            var sv = sigma[i].item<float>();
            var weight = (sv * sv + 0.25) / (sv * sv * 0.25);
            var expected = weight * (noisy[i] * 0.5 - x[i]).square().mean().item<float>();
            Assert.Equal(expected, loss[i].item<float>(), expected * 1e-5);
        }
    }

    [Fact]
    public void Preconditioned_denoiser_scales_the_network_input_and_mixes_skip_and_output()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 2f, -1f }).view(2, 1, 1, 1);
        var sigma = tensor(new[] { 1f, 0.5f });
        Tensor? seenIn = null, seenNoise = null;
        // F returns a constant 3: D = c_skip x + 3 c_out.
        var d = Edm.Precondition((xin, noise) => { (seenIn, seenNoise) = (xin, noise); return full_like(xin, 3f); }, x, sigma);
        Assert.Equal(new[] { 2f / MathF.Sqrt(1.25f), -1f / MathF.Sqrt(0.5f) }, seenIn!.flatten().data<float>().ToArray(), (IEqualityComparer<float>)new Tolerance(1e-6));
        Assert.Equal(new[] { 0f, MathF.Log(0.5f) / 4 }, seenNoise!.data<float>().ToArray(), (IEqualityComparer<float>)new Tolerance(1e-6));
        Assert.Equal(0.2f * 2 + 3 * 0.5f / MathF.Sqrt(1.25f), d[0].item<float>(), 5);
        Assert.Equal(0.5f * -1 + 3 * 0.25f / MathF.Sqrt(0.5f), d[1].item<float>(), 5);
    }

    [Fact]
    public void Flip_mirrors_some_samples_and_keeps_others()
    {
        var x = arange(2f * 64).reshape(64, 1, 1, 2);
        var f = EdmLoss.RandomFlip(x, new TorchSharp.torch.Generator(2));
        var flipped = (f - x.flip(3)).abs().sum([1, 2, 3]).eq(0);
        var same = (f - x).abs().sum([1, 2, 3]).eq(0);
        Assert.True((flipped | same).all().item<bool>());
        var nf = flipped.sum().item<long>();
        Assert.InRange(nf, 16, 48);
    }
}
