using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.Tests.Metrics;

public class PerceptualDistanceTests
{
    static PerceptualDistanceTests() => TestTorch.Init();

    // Small upsampling target keeps the test fast; the default is 224.
    static PerceptualDistance Make() => new(new ResNet18Features(), new PerceptualConfig(MinSize: 64));

    [Fact]
    public void Zero_for_identical_larger_for_larger_distortions_and_differentiable()
    {
        using var scope = NewDisposeScope();
        var d = Make();
        random.manual_seed(5);
        var a = nn.functional.interpolate(rand(2, 3, 4, 4), [16, 16], mode: InterpolationMode.Bilinear).mul(2).sub(1);
        var noise = randn(2, 3, 16, 16);
        Assert.True(d.Compute(a, a).abs().max().item<float>() < 1e-6);
        var small = d.Compute(a, a.add(noise.mul(0.05)));
        var large = d.Compute(a, a.add(noise.mul(0.3)));
        Assert.True((large > small).all().item<bool>() && (small > 0).all().item<bool>());

        var x = a.add(noise.mul(0.1)).requires_grad_(true);
        d.Compute(x, a).sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
    }
}
