using static TorchSharp.torch;

namespace InstantViews.Geometry;

/// <summary>
/// Output of <see cref="ForwardSplat"/>: the warped map [C, H, W] (or [N, C, H, W]), the hole mask [H, W]
/// (or [N, H, W]; 1 where nothing landed, warped values there are 0) and the target-camera depth of what
/// landed (same shape as the mask, 0 in holes). Sizes are the target camera's.
/// </summary>
public sealed record SplatResult(Tensor Warped, Tensor HoleMask, Tensor Depth) : IDisposable
{
    /// <summary>Share of target pixels that received something; 0 means the target sees none of the source.</summary>
    public double VisibleFraction => 1 - HoleMask.mean().item<float>();

    public bool IsEmpty => HoleMask.min().item<float>() > 0.5f;

    public void Dispose()
    {
        Warped.Dispose();
        HoleMask.Dispose();
        Depth.Dispose();
    }
}
