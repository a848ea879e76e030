using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// A guess of metres for relative inverse depth when no pixel's depth is known (the focal-length prior): the median
/// pixel is put at <see cref="MedianAt60Degrees"/> metres times the focal length relative to a 60-degree horizontal
/// field of view (a longer lens frames things farther away), and the farthest pixel at <see cref="FarToMedian"/> times
/// the median; depth is 1 / (a r + b) between them. It is a guess, and said to be one wherever it is used.
/// </summary>
public static class DepthPrior
{
    /// <summary>Median depth of a photo taken at a 60-degree horizontal field of view: a room, a street scene's near half.</summary>
    public const double MedianAt60Degrees = 3.0;

    /// <summary>The farthest pixel (sky, the far wall) at this multiple of the median: far enough to barely move, still finite.</summary>
    public const double FarToMedian = 10.0;

    /// <summary>The prior's median depth for a camera (null: the 60-degree default).</summary>
    public static double MedianDepth(Camera? camera)
    {
        if (camera is null) return MedianAt60Degrees;
        var defaultFx = 0.5 * camera.Width / Math.Tan(Math.PI / 6);
        return MedianAt60Degrees * camera.Fx / defaultFx;
    }

    /// <summary>
    /// (a, b) for 1/depth = a r + b with the median of <paramref name="inverse"/> at <paramref name="median"/> metres and
    /// its minimum at <see cref="FarToMedian"/> times that; a map whose median is its minimum uses its mean instead, and a
    /// constant map gets the median depth everywhere.
    /// </summary>
    public static (double Scale, double Shift) Fit(Tensor inverse, double median)
    {
        using var scope = NewDisposeScope();
        var r = inverse.to_type(ScalarType.Float64).flatten();
        double lo = r.min().item<double>(), mid = r.median().item<double>();
        if (mid <= lo) mid = r.mean().item<double>();
        if (!(mid > lo)) return (0, 1 / median);
        var scale = (1 - 1 / FarToMedian) / (median * (mid - lo));
        return (scale, 1 / median - scale * mid);
    }
}
