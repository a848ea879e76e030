namespace InstantViews.Depth;

/// <summary>How a phone's depth image encodes depth between near and far (GDepth:Format, DepthMap:Format); v is the pixel in [0, 1].</summary>
public enum DepthRangeFormat
{
    /// <summary>Inverse depth steps evenly: d = far near / (far - v (far - near)).</summary>
    RangeInverse,
    /// <summary>Depth steps evenly: d = near + v (far - near).</summary>
    RangeLinear,
}
