namespace InstantViews.Depth;

/// <summary>What an external depth model outputs.</summary>
public enum DepthOutputKind
{
    /// <summary>Metric depth in metres (ZoeDepth, Depth Anything V2 metric): used as is (times Scale, plus Shift).</summary>
    MetricDepth,
    /// <summary>Relative inverse depth / disparity (MiDaS, Depth Anything relative): depth = 1 / (Scale * r + Shift), or a fit to known depths.</summary>
    InverseDepth,
}
