using InstantViews.Nn;

namespace InstantViews.Depth;

/// <summary>
/// The built-in monocular depth network: a U-Net on the shared blocks that maps RGB to log-depth.
/// Images are resized so their width is <see cref="Resolution"/> (height keeps the aspect, rounded to a
/// multiple of 8) and the prediction is resized back, so any photo size works.
/// </summary>
public sealed record DepthNetConfig
{
    public int Resolution { get; init; } = 64;
    public int Channels { get; init; } = 16;
    public int[] ChannelMult { get; init; } = [1, 2, 4, 4];
    public int BlocksPerLevel { get; init; } = 1;
    /// <summary>Added to the network output: the zero-initialised net starts at exp(offset) metres, about the scenes' typical depth.</summary>
    public double LogDepthOffset { get; init; } = 1.0;

    public UNetConfig ToUNet() => new()
    {
        InChannels = 3,
        OutChannels = 1,
        Resolution = Resolution,
        Channels = Channels,
        ChannelMult = ChannelMult,
        BlocksPerLevel = BlocksPerLevel,
        AttentionResolutions = [],
        Heads = 4,
        // The shipped depth model was trained with one channel per norm group; keep that architecture.
        ChannelsPerGroup = 1,
    };

    /// <summary>Levels halve the size this many times, so network inputs must be multiples of this.</summary>
    public int SizeMultiple => 1 << (ChannelMult.Length - 1);
}
