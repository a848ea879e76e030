using InstantViews.Pagoda;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Tests.Pagoda;

[Collection("global-rng")]
public class PatchDiscriminatorTests
{
    /// <summary>
    /// Trained alone with the hinge loss and the trainers' Adam (beta1 0, beta2 0.99, lr 2e-4), a fresh patch
    /// discriminator learns to tell smooth images from the same kind of images with noise (std 0.3): from 2 (logits 0)
    /// to below 0.5 in 60 steps. A layer left out of the optimiser or a logit that ignores the image fails this.
    /// </summary>
    [Fact]
    public void Alone_it_learns_to_tell_real_from_fake_within_a_few_dozen_steps()
    {
        TestTorch.Init();
        random.manual_seed(5);
        var d = new PatchDiscriminator();
        var opt = new Adam(d.parameters(), 2e-4, beta1: 0, beta2: 0.99);
        Tensor Smooth() => nn.functional.interpolate(rand(8, 3, 4, 4) * 2 - 1, [32, 32], mode: InterpolationMode.Bilinear, align_corners: false);
        double first = 0, last = 0;
        for (var step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            var loss = GanLosses.DiscriminatorHinge(d.Logits(Smooth(), null), d.Logits(Smooth() + randn(8, 3, 32, 32) * 0.3, null));
            opt.zero_grad();
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.InRange(first, 1.9, 2.1);
        Assert.True(last < 0.5, $"hinge loss {first:0.00} at the first step, {last:0.00} at the 60th");
    }
}
