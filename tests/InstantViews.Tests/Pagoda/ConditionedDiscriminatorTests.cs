using InstantViews.Metrics;
using InstantViews.Pagoda;
using static TorchSharp.torch;

namespace InstantViews.Tests.Pagoda;

[Collection("global-rng")]
public class ConditionedDiscriminatorTests
{
    [Fact]
    public void A_conditioned_discriminator_judges_the_image_with_its_condition_and_needs_one()
    {
        TestTorch.Init();
        random.manual_seed(5);
        using var features = new ResNet18Features();
        using var d = new ProjectedDiscriminator(features, 32, headChannels: 8, conditioned: true);
        var g = new Generator(3);
        var x = rand(new long[] { 2, 3, 32, 32 }, generator: g) * 2 - 1;
        var c1 = rand(new long[] { 2, 3, 32, 32 }, generator: g) * 2 - 1;
        var c2 = rand(new long[] { 2, 3, 32, 32 }, generator: g) * 2 - 1;
        using var noGrad = no_grad();
        var a = d.Logits(x, c1);
        Assert.Equal([2L], a.shape);
        Assert.True(TensorAssert.Same(a, d.Logits(x, c1)));
        Assert.False(a.allclose(d.Logits(x, c2)));
        // Each head reads image and condition features side by side: twice the channels of an unconditioned head.
        using var plain = new ProjectedDiscriminator(features, 32, headChannels: 8);
        Assert.Equal(2 * plain.parameters().First().shape[1], d.parameters().First().shape[1]);
        Assert.Throws<ArgumentException>(() => d.Logits(x, null));
        Assert.Throws<ArgumentException>(() => plain.Logits(x, c1));
        Assert.Throws<ArgumentException>(() => d.Logits(x, c1[..1]));
        Assert.True(TensorAssert.Same(plain.forward(x), plain.Logits(x, null)));
    }
}
