using InstantViews.Metrics;
using InstantViews.Pagoda;
using static TorchSharp.torch;

namespace InstantViews.Tests.Pagoda;

[Collection("global-rng")]
public class ProjectedDiscriminatorTests
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
        Assert.Equal("this discriminator is conditioned: give the condition image", Assert.Throws<ArgumentException>(() => d.Logits(x, null)).Message);
        Assert.Equal("this discriminator is not conditioned", Assert.Throws<ArgumentException>(() => plain.Logits(x, c1)).Message);
        Assert.Equal("condition shape [1,3,32,32] differs from the image's [2,3,32,32]", Assert.Throws<ArgumentException>(() => d.Logits(x, c1[..1])).Message);
        Assert.True(TensorAssert.Same(plain.forward(x), plain.Logits(x, null)));
    }

    [Fact]
    public void The_logit_is_the_sum_over_the_chosen_stages_of_each_heads_mean_logit()
    {
        // Heads whose last convolution is zero with bias 1 and 2 output those constants everywhere: every image's
        // logit is 1 + 2 = 3. Only the stages asked for get a head, each reading that stage's channels.
        TestTorch.Init();
        using var features = new ResNet18Features();
        using var d = new ProjectedDiscriminator(features, 32, headChannels: 4, stages: [2, 4]);
        var names = d.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(["heads.0.0.bias", "heads.0.0.weight", "heads.0.2.bias", "heads.0.2.weight", "heads.1.0.bias", "heads.1.0.weight", "heads.1.2.bias", "heads.1.2.weight"], names.Keys.Order());
        Assert.Equal([4L, ResNet18Features.StageChannels[2], 3, 3], names["heads.0.0.weight"].shape);
        Assert.Equal([4L, ResNet18Features.StageChannels[4], 3, 3], names["heads.1.0.weight"].shape);
        using (no_grad())
            for (int i = 0; i < 2; i++)
            {
                names[$"heads.{i}.2.weight"].zero_();
                names[$"heads.{i}.2.bias"].fill_(i + 1);
            }
        using var noGrad = no_grad();
        var logits = d.forward(rand(new long[] { 2, 3, 16, 16 }, generator: new Generator(1)) * 2 - 1);
        Assert.Equal(new[] { 3f, 3f }, logits.data<float>().ToArray());
    }
}
