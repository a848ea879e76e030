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

    /// <summary>
    /// Judged per patch (LaMa's loss): every real patch is real; a fake's patches over its holes are fake and the rest
    /// real. Closed forms on hand-made logits, the hole patches of a mask, and the patch map's shape and mean.
    /// </summary>
    [Fact]
    public void Judged_per_patch_only_the_generated_views_hole_patches_are_fake()
    {
        TestTorch.Init();
        // A 8x8 mask whose only hole pixel is (5, 2): on a 2x2 patch map, the patch of rows 4-7, columns 0-3.
        var holes = zeros(1, 1, 8, 8);
        holes[0, 0, 5, 2] = 1;
        var m = GanLosses.HolePatches(holes, 2, 2);
        Assert.Equal(new float[] { 0, 0, 1, 0 }, m.flatten().data<float>().ToArray());
        // Real logits 0.5 everywhere: relu(1 - 0.5) = 0.5. Fake logits: 2 on the hole patch (relu(1 + 2) = 3), -0.5 on
        // the three others, judged real (relu(1 + 0.5) = 1.5): (3 + 3 x 1.5) / 4 = 1.875.
        var real = full(1, 1, 2, 2, 0.5f);
        var fake = full(1, 1, 2, 2, -0.5f);
        fake[0, 0, 1, 0] = 2;
        Assert.Equal(0.5 + 1.875, GanLosses.PatchDiscriminatorHinge(real, fake, m).item<float>(), 5);
        // The generator's term reads the hole patch only; without holes it is 0.
        Assert.Equal(-2, GanLosses.PatchGeneratorHinge(fake, m).item<float>(), 5);
        Assert.Equal(0, GanLosses.PatchGeneratorHinge(fake, zeros_like(m)).item<float>(), 5);
        // Every patch a hole: the whole-image hinge of the patch logits.
        Assert.Equal(GanLosses.DiscriminatorHinge(real.flatten(), fake.flatten()).item<float>(),
            GanLosses.PatchDiscriminatorHinge(real, fake, ones_like(m)).item<float>(), 5);
        var d = new PatchDiscriminator();
        Assert.Equal(new long[] { 2, 1, 8, 6 }, d.PatchLogits(rand(2, 3, 32, 24), null).shape);
        Assert.Equal(d.PatchLogits(rand(2, 3, 32, 24, generator: new TorchSharp.torch.Generator(1)), null).mean([1L, 2L, 3L]).data<float>().ToArray(),
            d.Logits(rand(2, 3, 32, 24, generator: new TorchSharp.torch.Generator(1)), null).data<float>().ToArray());
    }
}
