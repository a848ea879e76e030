using InstantViews.Nn;

namespace InstantViews.Tests.Nn;

public class LayersTests
{
    public LayersTests() => TestTorch.Init();

    [Fact]
    public void GroupNorm_starts_as_identity_affine()
    {
        for (int i = 0; i < 10; i++)
        {
            var g = Layers.GroupNorm(4, 16);
            Assert.Equal(16f, g.weight!.sum().item<float>());
            Assert.Equal(0f, g.bias!.abs().sum().item<float>());
        }
    }

    [Theory]
    [InlineData(64, 32, 1, 32)]
    [InlineData(48, 32, 1, 24)]
    [InlineData(11, 32, 1, 11)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(32, 32, 4, 8)]
    [InlineData(64, 32, 4, 16)]
    [InlineData(256, 32, 4, 32)]
    [InlineData(3, 32, 4, 1)]
    public void Groups_divide_channels_with_enough_channels_per_group(int channels, int max, int perGroup, int expected) =>
        Assert.Equal(expected, Layers.Groups(channels, max, perGroup));
}
