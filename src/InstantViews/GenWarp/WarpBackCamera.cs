using InstantViews.Geometry;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// The nearby camera a warp-back pair moves to (<see cref="WarpBackPair"/>): never a vanishing move (each magnitude is
/// drawn from [max/2, max], with a random sign, as AdaMPI draws its translations).
/// </summary>
public static class WarpBackCamera
{
    /// <summary>
    /// A sideways step with no rotation, sized so that the nearest points (the 2nd percentile of
    /// <paramref name="depth"/>) move by a fraction in [max/2, max] of the image's width: t = fraction · z_near · W / fx
    /// metres, to the left or the right.
    /// </summary>
    public static Camera Stereo(Camera camera, Tensor depth, SceneRandom rng, double maxDisparity = 0.12)
    {
        if (!(maxDisparity > 0 && maxDisparity < 1)) throw new ArgumentOutOfRangeException(nameof(maxDisparity), maxDisparity, "a fraction of the image width in (0, 1)");
        using var scope = NewDisposeScope();
        var sorted = depth.flatten().to_type(ScalarType.Float32).sort().Values;
        var near = sorted[(long)(0.02 * (sorted.shape[0] - 1))].item<float>();
        var fraction = rng.Uniform(maxDisparity / 2, maxDisparity) * (rng.Chance(0.5) ? 1 : -1);
        return CameraTargets.Move(camera, fraction * near * camera.Width / camera.Fx, 0, 0, 0, 0);
    }

    /// <summary>
    /// A turn about the point at the median of <paramref name="depth"/>: yaw of magnitude in [max/2, max] degrees with a
    /// random sign, pitch uniform in [-max/2, max/2].
    /// </summary>
    public static Camera Orbit(Camera camera, Tensor depth, SceneRandom rng, double maxDegrees = 8)
    {
        if (!(maxDegrees > 0 && maxDegrees <= 90)) throw new ArgumentOutOfRangeException(nameof(maxDegrees), maxDegrees, "degrees in (0, 90]");
        using var scope = NewDisposeScope();
        var median = depth.flatten().median().item<float>();
        var yaw = rng.Uniform(maxDegrees / 2, maxDegrees) * (rng.Chance(0.5) ? 1 : -1);
        var pitch = rng.Uniform(-maxDegrees / 2, maxDegrees / 2);
        return CameraTargets.Orbit(camera, median, yaw, pitch);
    }
}
