using InstantViews.Nn;

namespace InstantViews.GenWarp;

/// <summary>
/// The warp-and-inpaint baseline's config: one U-Net whose input is [noisy target (3) ; warped RGB (3) ; hole mask (1)].
/// Defaults match <see cref="GenWarpConfig"/>'s U-Net, so both methods have the same size class.
/// </summary>
public sealed record WarpInpaintConfig
{
    public const int ConditionChannels = 4;

    public UNetConfig Net { get; init; } = ForGenWarpNet(new GenWarpConfig().Net);

    /// <summary>The baseline's U-Net for a GenWarp denoiser config: 7 input channels, no context, no coordinate attention.</summary>
    public static UNetConfig ForGenWarpNet(UNetConfig genwarpNet) =>
        genwarpNet with { InChannels = 3 + ConditionChannels, ContextDim = 0, PositionChannels = 0, PositionMatchChannels = null };

    public void Validate()
    {
        Net.Validate();
        if (Net.InChannels != 3 + ConditionChannels || Net.OutChannels != 3)
            throw new ArgumentException($"warp-inpaint: the U-Net must take {3 + ConditionChannels} channels (noisy 3, warped 3, mask 1) and give 3");
    }
}
