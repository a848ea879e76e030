using InstantViews.Runtime;

namespace InstantViews.Imaging;

/// <summary>What a source image for depth, warping and novel views must be: big enough to hold a scene, and not so elongated that its working size would change its shape.</summary>
public static class SourceImages
{
    /// <summary>The shortest side a source image may have (pixels).</summary>
    public const int MinSide = 8;
    /// <summary>The most elongated aspect ratio accepted (long side / short side).</summary>
    public const double MaxAspect = 8;

    public static void Require(string path, int width, int height)
    {
        if (Math.Min(width, height) < MinSide)
            throw new UserError($"'{path}': image of {width}x{height} pixels is too small; both sides must be at least {MinSide} pixels");
        var aspect = (double)Math.Max(width, height) / Math.Min(width, height);
        if (aspect > MaxAspect)
            throw new UserError($"'{path}': image of {width}x{height} pixels has aspect ratio {aspect:0.#}:1; at most {MaxAspect}:1 is supported (crop it first)");
    }
}
