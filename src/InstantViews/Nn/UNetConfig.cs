namespace InstantViews.Nn;

/// <summary>How the noise level enters the network.</summary>
public enum NoiseEmbeddingKind { Positional, Fourier }

/// <summary>
/// Everything needed to rebuild a <see cref="UNet"/>: stored as JSON beside the weights in every checkpoint.
/// Levels run from the input resolution down; attention is placed at the listed feature resolutions.
/// </summary>
public sealed record UNetConfig
{
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    /// <summary>Input resolution the config was designed for (used to place attention); other sizes work too.</summary>
    public int Resolution { get; init; } = 16;
    public int Channels { get; init; } = 64;
    public int[] ChannelMult { get; init; } = [1, 2, 2];
    public int BlocksPerLevel { get; init; } = 2;
    public int[] AttentionResolutions { get; init; } = [8];
    public int Heads { get; init; } = 4;
    public double Dropout { get; init; }
    public NoiseEmbeddingKind NoiseEmbedding { get; init; } = NoiseEmbeddingKind.Positional;
    /// <summary>Number of class labels (0 = unconditional).</summary>
    public int LabelCount { get; init; }
    /// <summary>Width of cross-attention context tokens (0 = no cross-attention).</summary>
    public int ContextDim { get; init; }

    /// <summary>
    /// Channels of per-pixel coordinates that self-attention layers project into their queries and keys (0 = none;
    /// GenWarp's coordinate attention uses the 11-channel coordinate embedding).
    /// </summary>
    public int PositionChannels { get; init; }

    /// <summary>
    /// The position channels a fresh position projection matches (per head, dimension j copies channel
    /// PositionMatchChannels[j mod count]); null: all of them. The model that defines the embedding says which
    /// (GenWarp: its Fourier channels). Only the initialisation depends on it.
    /// </summary>
    public int[]? PositionMatchChannels { get; init; }

    /// <summary>Minimum channels per GroupNorm group (at most 32 groups).</summary>
    public int ChannelsPerGroup { get; init; } = 4;

    public int EmbeddingDim => Channels * 4;

    public void Validate()
    {
        if (Channels <= 0 || ChannelMult.Length == 0 || BlocksPerLevel <= 0 || Heads <= 0)
            throw new ArgumentException("U-Net config: channels, channelMult, blocksPerLevel and heads must be positive");
        foreach (var m in ChannelMult)
            if ((Channels * m) % Heads != 0) throw new ArgumentException($"U-Net config: {Channels * m} channels not divisible by {Heads} heads");
        if (PositionChannels < 0) throw new ArgumentException("U-Net config: positionChannels must be 0 or more");
        if (PositionChannels > 0 && PositionMatchChannels is { } match && (match.Length == 0 || match.Any(c => c < 0 || c >= PositionChannels)))
            throw new ArgumentException($"U-Net config: positionMatchChannels must name channels 0..{PositionChannels - 1}");
    }
}
