using InstantViews.Nn;

namespace InstantViews.GenWarp;

/// <summary>
/// Everything that rebuilds a <see cref="GenWarpModel"/>: the U-Net shared by the denoiser and the semantic
/// preserver (3 input channels, ContextDim &gt; 0), the pose guider widths, the global embedding and the guidance
/// drop probability. Defaults are a CPU-sized 32 px model.
/// </summary>
public sealed record GenWarpConfig
{
    public UNetConfig Net { get; init; } = new()
    {
        InChannels = 3,
        OutChannels = 3,
        Resolution = 32,
        Channels = 32,
        ChannelMult = [1, 2, 2],
        BlocksPerLevel = 1,
        AttentionResolutions = [16, 8],
        Heads = 4,
        ContextDim = 64,
        PositionChannels = CoordinateEmbedding.Channels,
        PositionMatchChannels = CoordinateEmbedding.FourierChannels,
    };

    /// <summary>Hidden widths of the pose guider (11 -> widths... -> Net.Channels).</summary>
    public int[] PoseGuiderWidths { get; init; } = [16, 32];
    public GlobalEmbeddingKind GlobalEmbedding { get; init; } = GlobalEmbeddingKind.Learned;
    /// <summary>Hidden widths of the learned global encoder (each a stride-2 conv).</summary>
    public int[] EncoderWidths { get; init; } = [16, 32, 64];
    /// <summary>Share of training samples that drop the global embedding and the reference tokens together (for guidance).</summary>
    public double DropProbability { get; init; } = 0.1;
    /// <summary>The noise level at which the semantic preserver sees the clean source (EDM's smallest sigma).</summary>
    public double ReferenceSigma { get; init; } = 0.002;

    public void Validate()
    {
        Net.Validate();
        if (Net.InChannels != 3 || Net.OutChannels != 3) throw new ArgumentException("GenWarp: the U-Net must map 3 channels to 3");
        if (Net.ContextDim <= 0) throw new ArgumentException("GenWarp: the U-Net needs ContextDim > 0 for the global embedding");
        if (Net.LabelCount != 0) throw new ArgumentException("GenWarp: the U-Net takes no class labels");
        if (Net.PositionChannels is not (0 or CoordinateEmbedding.Channels))
            throw new ArgumentException($"GenWarp: positionChannels must be 0 (no coordinate attention) or {CoordinateEmbedding.Channels}, got {Net.PositionChannels}");
        if (DropProbability is < 0 or > 1) throw new ArgumentException("GenWarp: DropProbability must be in [0, 1]");
    }
}
