using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// A rectified stereo pair for <see cref="StereoBenchmark"/>: left and right photos [3,H,W] in [-1, 1], their cameras
/// (left at the identity, right moved by the baseline along x), the left view's disparity [H,W] in pixels (NaN where
/// unknown; a left pixel at x matches the right one at x - d), and doffs, the difference of the principal points.
/// </summary>
public sealed record StereoInputs(Tensor Left, Tensor Right, Camera LeftCamera, Camera RightCamera, Tensor Disparity, double BaselineMetres, double Doffs)
{
    /// <summary>A pair read from its folder (the tensors are the pair's own, not copies).</summary>
    public static StereoInputs Of(Scenes.StereoPair pair) =>
        new(pair.Left, pair.Right, pair.LeftCamera, pair.RightCamera, pair.Disparity, pair.Baseline, pair.Doffs);

    /// <summary>Depth Z = baseline f / (d + doffs), metres (NaN where the disparity is unknown).</summary>
    public Tensor TrueDepth() => DepthOf(Disparity);

    /// <summary>The depth of any disparity map of this pair (non-positive d + doffs is clamped to 1/1000 px: far away).</summary>
    public Tensor DepthOf(Tensor disparity) => disparity.add(Doffs).clamp_min(1e-3).reciprocal().mul(BaselineMetres * LeftCamera.Fx);

    public void Check()
    {
        var (h, w) = (Left.shape[1], Left.shape[2]);
        if (Left.dim() != 3 || Left.shape[0] != 3 || !Right.shape.SequenceEqual(Left.shape))
            throw new ArgumentException($"left and right must both be [3, H, W], got [{string.Join(", ", Left.shape)}] and [{string.Join(", ", Right.shape)}]");
        if (Disparity.dim() != 2 || Disparity.shape[0] != h || Disparity.shape[1] != w)
            throw new ArgumentException($"disparity must be [{h}, {w}], got [{string.Join(", ", Disparity.shape)}]");
        if (LeftCamera.Width != w || LeftCamera.Height != h || RightCamera.Width != w || RightCamera.Height != h)
            throw new ArgumentException($"the cameras must be {w}x{h}");
        if (!(BaselineMetres > 0) || !double.IsFinite(BaselineMetres)) throw new ArgumentException($"baseline must be positive, got {BaselineMetres}");
    }
}
