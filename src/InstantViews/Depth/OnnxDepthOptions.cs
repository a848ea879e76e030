namespace InstantViews.Depth;

/// <summary>
/// How to run an external ONNX depth model. Input: float32 [1, 3, H, W], RGB in [0, 1] normalised as
/// (x - Mean) / Std. Output [1, 1, h, w], [1, h, w] or [h, w], resized back to the image. Every setting left null
/// comes from the preset (<see cref="Preset"/>, else the one the model's signature implies, else
/// <see cref="OnnxDepthPreset.Custom"/>).
/// </summary>
public sealed record OnnxDepthOptions
{
    /// <summary>The model family; null: detected from the model's input and output signature.</summary>
    public OnnxDepthPreset? Preset { get; init; }
    /// <summary>Model input size; 0 takes the model's fixed size, else the preset's size for the image.</summary>
    public int InputWidth { get; init; }
    public int InputHeight { get; init; }
    public double[]? Mean { get; init; }
    public double[]? Std { get; init; }
    public DepthOutputKind? Output { get; init; }
    /// <summary>Metric: depth = Scale * out + Shift; inverse: depth = 1 / (Scale * out + Shift). Neither given for inverse
    /// depth and no known points: the focal-length prior (<see cref="DepthPrior"/>) guesses them.</summary>
    public double? Scale { get; init; }
    public double? Shift { get; init; }
    /// <summary>
    /// Known depths: for inverse depth, 2 or more fit Scale and Shift by least squares on 1/depth, and 1 rescales the
    /// prior's guess to pass through it; for metric depth they fit Scale (depth = Scale * out) by least squares.
    /// </summary>
    public IReadOnlyList<KnownDepth>? Known { get; init; }
}
