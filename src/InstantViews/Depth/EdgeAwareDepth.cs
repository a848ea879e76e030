using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Any depth source whose map is upsampled to the photo's size with edges that follow the photo: the source's log
/// depth, brought back to its own output size (<see cref="IDepthEstimator.NativeLongSide"/>, area average), is
/// upsampled by <see cref="JointBilateralUpsampling"/> guided by the photo. Sources without a lower native size
/// (depth files at the photo's size) are returned unchanged.
/// </summary>
public sealed class EdgeAwareDepth(IDepthEstimator inner, double sigmaRange = EdgeAwareDepth.DefaultSigmaRange) : IDepthEstimator, IDisposable
{
    /// <summary>Colour distance (RGB in [0, 1]) at which a sample's weight falls to e^-1/2: Kopf et al.'s range of values.</summary>
    public const double DefaultSigmaRange = 0.1;

    public IDepthEstimator Inner { get; } = inner;
    public double SigmaRange { get; } = sigmaRange;
    public int? NativeLongSide => Inner.NativeLongSide;
    public bool FixedMap => Inner.FixedMap;
    public string Description => $"{Inner.Description}, edge-aware upsampling";

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        var depth = Inner.Estimate(rgb, camera);
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        if (Inner.NativeLongSide is not { } native || native >= Math.Max(h, w)) return depth;
        using var scope = NewDisposeScope();
        var s = (double)native / Math.Max(h, w);
        int lh = Math.Max(2, (int)Math.Round(h * s)), lw = Math.Max(2, (int)Math.Round(w * s));
        var low = Resize.To(depth.to_type(ScalarType.Float32).clamp_min(1e-6).log().view(1, 1, h, w), lh, lw, ResizeFilter.Area)[0, 0];
        var sharp = JointBilateralUpsampling.Apply(low, rgb.cpu(), sigmaRange: SigmaRange).exp();
        depth.Dispose();
        return sharp.MoveToOuterDisposeScope();
    }

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
