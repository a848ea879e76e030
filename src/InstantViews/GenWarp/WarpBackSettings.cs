namespace InstantViews.GenWarp;

/// <summary>
/// How <see cref="WarpBackPairs"/> draws a pair: a square crop of Size pixels whose side is a fraction in
/// [MinCrop, MaxCrop] of the photo's short side, the whole photo seen with a horizontal field of view of FovDegrees
/// (as `nvs` assumes for a photo without a camera), its depth sharpened at SharpenThreshold
/// (<see cref="Depth.DepthSharpening"/>), a sideways step moving the nearest points by up to MaxDisparity of the width
/// (<see cref="WarpBackCamera.Stereo"/>), drawn again (up to Attempts times) until the share of hole pixels after the
/// round trip lies in [MinHoles, MaxHoles]. With chance Occluders (at each attempt) a pair's crop first gets an occluder
/// (<see cref="WarpBackOccluder"/>): a blob textured from another photo floating in front of it, inside the frame, so
/// the round trip also leaves enclosed holes beside it, as behind the objects of a real stereo pair.
/// </summary>
public sealed record WarpBackSettings(int Size = 128, double MinCrop = 0.3, double MaxCrop = 1, double FovDegrees = 60,
    double SharpenThreshold = Depth.DepthSharpening.DefaultThreshold, double MaxDisparity = 0.12,
    double MinHoles = 0.005, double MaxHoles = 0.35, int Attempts = 8, double Occluders = 0)
{
    /// <summary>The long side the photos are read at for these pairs: four times <see cref="Size"/>.</summary>
    public int PhotoSide => 4 * Size;

    public void Check()
    {
        if (!(MaxDisparity > 0 && MaxDisparity < 1)) throw new Runtime.UserError($"warp-back pairs: the largest disparity must be a fraction of the width in (0, 1), got {MaxDisparity}");
        if (Size < 8) throw new Runtime.UserError($"warp-back pairs: size must be at least 8 pixels, got {Size}");
        if (!(MinCrop > 0 && MinCrop <= MaxCrop && MaxCrop <= 1)) throw new Runtime.UserError($"warp-back pairs: crop fractions must satisfy 0 < min <= max <= 1, got {MinCrop} and {MaxCrop}");
        if (!(FovDegrees > 0 && FovDegrees < 180)) throw new Runtime.UserError($"warp-back pairs: the field of view must be between 0 and 180 degrees, got {FovDegrees}");
        if (!(MinHoles >= 0 && MinHoles < MaxHoles && MaxHoles <= 1)) throw new Runtime.UserError($"warp-back pairs: hole shares must satisfy 0 <= min < max <= 1, got {MinHoles} and {MaxHoles}");
        if (Attempts < 1) throw new Runtime.UserError($"warp-back pairs: attempts must be at least 1, got {Attempts}");
        if (!(Occluders is >= 0 and <= 1)) throw new Runtime.UserError($"warp-back pairs: the occluder chance must be 0 to 1, got {Occluders}");
    }
}
