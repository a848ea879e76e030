namespace InstantViews.Depth;

/// <summary>
/// How to run an external ONNX depth model. Input: float32 [1, 3, H, W], RGB in [0, 1] normalised as
/// (x - Mean) / Std (ImageNet statistics by default, as MiDaS and Depth Anything expect). Output [1, 1, h, w],
/// [1, h, w] or [h, w], resized back to the image.
/// </summary>
public sealed record OnnxDepthOptions
{
    /// <summary>Model input size; 0 takes the model's fixed size, or the image's own size where the model is dynamic.</summary>
    public int InputWidth { get; init; }
    public int InputHeight { get; init; }
    public double[] Mean { get; init; } = [0.485, 0.456, 0.406];
    public double[] Std { get; init; } = [0.229, 0.224, 0.225];
    public DepthOutputKind Output { get; init; } = DepthOutputKind.MetricDepth;
    public double Scale { get; init; } = 1;
    public double Shift { get; init; }
    /// <summary>For inverse depth: if given (2 or more points), Scale and Shift are fitted to these by least squares on 1/depth.</summary>
    public IReadOnlyList<KnownDepth>? Known { get; init; }
}
