namespace InstantViews.Depth;

/// <summary>
/// The built-in depth network v2: an ImageNet ResNet-18 encoder (BasicBlocks per stage as given; batch norms folded
/// into its convolutions) and a skip-connected decoder (monodepth2's shape) that predicts log metric depth at half
/// the input size. Photos are resized so their long side is <see cref="InputLongSide"/>, both sides multiples of 32.
/// </summary>
public sealed record DepthResNetConfig
{
    public int InputLongSide { get; init; } = 320;
    public int[] BlocksPerStage { get; init; } = [2, 2, 2, 2];
    /// <summary>Decoder channels at /2, /4, /8 and /16.</summary>
    public int[] DecoderChannels { get; init; } = [32, 48, 64, 128];
    /// <summary>Added to the output: the zero-initialised last layer starts at exp(offset) metres.</summary>
    public double LogDepthOffset { get; init; } = 1.0;

    /// <summary>Inputs are multiples of this (five halvings).</summary>
    public const int SizeMultiple = 32;
}
