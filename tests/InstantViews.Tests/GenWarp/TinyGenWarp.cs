using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.Tests.Nn;
using static TorchSharp.torch;

namespace InstantViews.Tests.GenWarp;

/// <summary>Test-sized GenWarp and baseline models (a few thousand parameters) and their training settings.</summary>
static class TinyGenWarp
{
    public static GenWarpConfig Config => new()
    {
        Net = UNetTests.Tiny(contextDim: 8) with { Resolution = 16, PositionChannels = CoordinateEmbedding.Channels, PositionMatchChannels = CoordinateEmbedding.FourierChannels },
        PoseGuiderWidths = [4],
        EncoderWidths = [4, 8],
    };

    public static WarpInpaintConfig BaselineConfig => new() { Net = UNetTests.Tiny() with { Resolution = 16, InChannels = 7 } };

    public static PairTrainConfig Settings => new()
    {
        Train = new TrainConfig { BatchSize = 2, LearningRate = 2e-3, WarmupSteps = 2, LogEvery = 2, SampleEvery = 0, CheckpointEvery = 1000, SampleCount = 2, SampleSteps = 3, SigmaMax = 20, Seed = 3 },
        Resolution = 16,
        Spp = 1,
    };

    /// <summary>Replaces every parameter by small random values (so zero-initialised layers do something).</summary>
    public static void Randomise(nn.Module m, int seed)
    {
        var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var p in m.parameters()) p.copy_(randn(p.shape, generator: g) * 0.2);
    }

    /// <summary>A source image and a target embedding of a plausible warp (random, fixed by seed).</summary>
    public static (Tensor Source, Tensor Embedding) Inputs(int n = 2, int size = 16, int seed = 1)
    {
        var g = new Generator((ulong)seed);
        var source = rand(new long[] { n, 3, size, size }, generator: g) * 2 - 1;
        var embedding = CoordinateEmbedding.Source(size, size).unsqueeze(0).expand(n, -1, -1, -1).contiguous()
            + 0.1 * randn(new long[] { n, CoordinateEmbedding.Channels, size, size }, generator: g);
        return (source, embedding);
    }
}
