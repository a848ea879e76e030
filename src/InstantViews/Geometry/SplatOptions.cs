namespace InstantViews.Geometry;

/// <summary>
/// Settings of <see cref="ForwardSplat"/>. <see cref="Alpha"/> is the softmax sharpness: a point's depth weight
/// is exp(Alpha * (s - 1)) with s = inverse target depth min-max normalised to [0, 1] over the image's visible
/// points, so the nearest point weighs 1 and the farthest exp(-Alpha). Alpha = 10 is released GenWarp's
/// exp(10 * norm(0.5 / z) - 10) (the 0.5 cancels in the normalisation); 0 averages without depth ordering.
/// </summary>
public sealed record SplatOptions
{
    public double Alpha { get; init; } = 10;
    /// <summary>Points with target-camera z at or below this (metres) are behind the camera and dropped.</summary>
    public double MinDepth { get; init; } = 1e-3;
    /// <summary>A target pixel whose summed bilinear weight is below this is a hole.</summary>
    public double MinCoverage { get; init; } = 1e-3;
}
