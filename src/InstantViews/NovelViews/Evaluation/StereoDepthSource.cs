using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>A depth source of the stereo benchmark: its name and its metric depth [H,W] of the left photo.</summary>
public sealed record StereoDepthSource(string Name, Func<Tensor, Camera, Tensor> Estimate);
