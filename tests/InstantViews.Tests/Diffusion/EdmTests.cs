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
