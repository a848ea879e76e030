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
    /// <summary>
    /// The canonical camera's focal length in image widths (0.866: a 60 degree horizontal field of view), or null. With
    /// it the network predicts the depth a canonical camera would see (training targets are scaled by f_c / f), and a
    /// photo's depth is that times f / f_c from its own camera: the same picture from a longer lens is farther away.
    /// </summary>
    public double? CanonicalFocal { get; init; }

    /// <summary>Inputs are multiples of this (five halvings).</summary>
    public const int SizeMultiple = 32;
}
