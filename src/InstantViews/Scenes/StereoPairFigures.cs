using System.Text.Json;
using System.Text.Json.Serialization;
using InstantViews.Imaging;

namespace InstantViews.Scenes;

/// <summary>
/// The figures of a stereo pair (`eval stereo-info`): size, calibration, the known disparities' range and the share
/// unknown, the depth range they give, and <see cref="StereoPair.WarpError"/> (the check that the disparity maps the
/// left view onto the right) with the number of pixels it compared.
/// </summary>
public sealed record StereoPairFigures(
    string Pair, int Width, int Height, double Focal, double BaselineMm, double Doffs,
    double DisparityMin, double DisparityMax, double UnknownShare, double DepthMin, double DepthMax,
    double WarpError, long WarpPixels)
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>The figures of a pair read from its folder.</summary>
    public static StereoPairFigures Of(StereoPair pair)
    {
        var c = pair.Calibration;
        var (min, max, unknown) = pair.DisparityStats();
        using var depth = pair.TrueDepth();
        using var known = depth[depth.isnan().logical_not()];
        var (depthMin, depthMax) = known.numel() == 0 ? (double.NaN, double.NaN) : (known.min().item<float>(), known.max().item<float>());
        var (error, pixels) = pair.WarpError();
        return new(pair.Name, pair.Width, pair.Height, c.Focal, c.BaselineMm, c.Doffs, min, max, unknown, depthMin, depthMax, error, pixels);
    }

    /// <summary>The figures as JSON (snake_case keys), the data file of the docs' pair table.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> whole or not at all.</summary>
    public void Save(string path) => AtomicFile.WriteText(path, ToJson());
}
