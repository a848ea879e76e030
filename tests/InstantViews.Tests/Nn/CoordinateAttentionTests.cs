using InstantViews.GenWarp;
using InstantViews.Nn;
using static TorchSharp.torch;

namespace InstantViews.Tests.Nn;

public class CoordinateAttentionTests
{
    public CoordinateAttentionTests() => TestTorch.Init();

    /// <summary>
    /// An attention block whose content queries/keys are off and whose values and output projection are the
    /// identity: what it returns is exactly what its fresh position projections make it read.
    /// </summary>
    static AttentionBlock PositionOnlyBlock(int channels)
    {
        var block = new AttentionBlock(channels, heads: 1, contextDim: 0, positionChannels: CoordinateEmbedding.Channels);
        using var noGrad = no_grad();
        var p = block.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        foreach (var name in new[] { "q.weight", "q.bias", "k.weight", "k.bias", "v.bias", "proj.bias" }) p[name].zero_();
        p["v.weight"].copy_(eye(channels));
        p["proj.weight"].copy_(eye(channels));
        return block;
    }

    [Fact]
    public void Fresh_position_projections_read_the_reference_token_the_warped_coordinates_point_at()
    {
        const int size = 8, channels = 16;
        var block = PositionOnlyBlock(channels);
        using var noGrad = no_grad();
        var source = CoordinateEmbedding.Source(size, size).unsqueeze(0);
        // Ground-truth warp: a horizontal mirror, so target pixel (r, c) shows source pixel (r, size-1-c).
        var warped = source.flip(3);
        var values = randn(new long[] { 1, size * size, channels }, generator: new Generator(7));
        // Own tokens are zero (GroupNorm of zeros is zero), so only the reference values can appear in the output.
        var output = block.forward(zeros(1, channels, size, size), null,
            new AttentionHooks { Extra = [values], Position = warped, ExtraPosition = source });
        var read = output.flatten(2).transpose(1, 2)[0]; // [HW, C]
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                var expected = r * size + (size - 1 - c);
                // The own token at the same pixel matches equally well (value zero): half the weight each.
                var distances = (values[0] * 0.5 - read[r * size + c]).norm(dim: 1);
                Assert.Equal(expected, (int)distances.argmin().item<long>());
                Assert.True(distances[expected].item<float>() < 0.1f * values[0][expected].norm().item<float>(),
                    $"pixel ({r},{c}) read a blend, distance {distances[expected].item<float>()}");
            }
    }

    [Fact]
    public void Positions_change_only_a_block_built_with_position_channels()
    {
        using var noGrad = no_grad();
        var x = randn(1, 16, 4, 4);
        var grid = CoordinateEmbedding.Source(4, 4).unsqueeze(0);
        foreach (var positionChannels in new[] { 0, CoordinateEmbedding.Channels })
        {
            var block = new AttentionBlock(16, heads: 2, contextDim: 0, positionChannels: positionChannels);
            foreach (var p in block.parameters()) p.add_(randn(p.shape, generator: new Generator(3)) * 0.1);
            var plain = block.forward(x, null, null);
            var moved = block.forward(x, null, new AttentionHooks { Position = grid.flip(2) });
            Assert.Equal(positionChannels > 0, (plain - moved).abs().max().item<float>() > 1e-5f);
        }
    }

    [Fact]
    public void Extra_tokens_without_their_positions_are_refused()
    {
        var block = new AttentionBlock(16, heads: 2, contextDim: 0, positionChannels: CoordinateEmbedding.Channels);
        using var noGrad = no_grad();
        var grid = CoordinateEmbedding.Source(4, 4).unsqueeze(0);
        var e = Assert.Throws<ArgumentException>(() => block.forward(randn(1, 16, 4, 4), null,
            new AttentionHooks { Extra = [randn(1, 16, 16)], Position = grid }));
        Assert.Contains("ExtraPosition", e.Message);
    }
}
