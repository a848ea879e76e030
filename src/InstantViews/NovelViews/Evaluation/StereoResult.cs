using InstantViews.Depth;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// The rows, the depth scores, and the share of the right view the left sees (covisible); for one pair also the
/// covisible mask [H,W] itself (1 where a left pixel with a known true disparity lands; the occluded pixels are the rest);
/// and the share of the true-depth warp's holes that are enclosed, seen pixels on every side (NaN without holes; over
/// several pairs, the mean of the pairs' shares).
/// </summary>
public sealed record StereoResult(IReadOnlyList<StereoRow> Rows, IReadOnlyList<StereoDepthScore> Depths, double CovisibleFraction, TorchSharp.torch.Tensor? Covisible = null,
    double EnclosedHoles = double.NaN);
