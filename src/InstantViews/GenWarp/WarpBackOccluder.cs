using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// An occluder pasted into a warp-back crop (<see cref="WarpBackSettings.Occluders"/>): a blob, a circle bent by three
/// random harmonics, textured with another photo, at a fronto-parallel depth nearer than anything it covers, and kept
/// inside the frame. The composite is one consistent scene, a flat cutout in front of the photo's surface, so warping it
/// to a sideways camera and back leaves holes beside the blob, enclosed by seen pixels, whose truth is the photo
/// behind it: the disocclusions of a real stereo pair, which a smooth estimated depth alone does not make.
/// </summary>
public static class WarpBackOccluder
{
    /// <summary>The blob's base radius, as a fraction of the crop's side.</summary>
    public const double MinRadius = 0.08, MaxRadius = 0.22;

    /// <summary>The largest amplitude of each harmonic (orders 2, 3 and 4) bending the outline, as a fraction of the radius.</summary>
    public const double MaxBend = 0.12;

    /// <summary>The occluder's depth, as a fraction of the nearest depth it covers.</summary>
    public const double MinDepthShare = 0.4, MaxDepthShare = 0.75;

    /// <summary>
    /// The crop [3,S,S] and its depth [S,S] with the occluder pasted, and its mask [S,S] (bool): the blob drawn with
    /// <paramref name="rng"/> takes <paramref name="texture"/> [3,S,S] and one depth, a share of the nearest depth under
    /// it. At least 2 pixels of the crop lie between the blob and the frame's edge; a blob that covers no pixel leaves
    /// the crop as it is.
    /// </summary>
    public static (Tensor Rgb, Tensor Depth, Tensor Mask) Paste(Tensor rgb, Tensor depth, Tensor texture, SceneRandom rng)
    {
        var size = (int)depth.shape[0];
        if (depth.shape[1] != size || !rgb.shape.SequenceEqual(texture.shape) || rgb.shape[1] != size || rgb.shape[2] != size)
            throw new ArgumentException($"an occluder needs a square crop, depth and texture of one size; got {string.Join('x', rgb.shape)}, {string.Join('x', depth.shape)} and {string.Join('x', texture.shape)}");
        using var scope = NewDisposeScope();
        var radius = rng.Uniform(MinRadius, MaxRadius) * size;
        var bends = Enumerable.Range(2, 3).Select(order => (Order: order, Amplitude: rng.Uniform(0, MaxBend), Phase: rng.Uniform(0, 2 * Math.PI))).ToList();
        // The outline stays within radius (1 + 3 MaxBend) of the centre, which keeps 2 pixels from every edge.
        var reach = radius * (1 + 3 * MaxBend) + 2;
        double Centre() => reach >= size / 2.0 ? size / 2.0 : rng.Uniform(reach, size - reach);
        var (cx, cy) = (Centre(), Centre());
        var x = arange(size, dtype: ScalarType.Float32).add(0.5f - (float)cx).view(1, size).expand(size, size);
        var y = arange(size, dtype: ScalarType.Float32).add(0.5f - (float)cy).view(size, 1).expand(size, size);
        var angle = atan2(y, x);
        var outline = ones_like(angle);
        foreach (var (order, amplitude, phase) in bends) outline = outline + (angle * order + (float)phase).cos() * (float)amplitude;
        var mask = (x.square() + y.square()).sqrt().le(outline * (float)radius);
        var share = rng.Uniform(MinDepthShare, MaxDepthShare);
        if (!mask.any().item<bool>()) return (rgb.clone().MoveToOuterDisposeScope(), depth.clone().MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
        var near = depth.masked_select(mask).min().item<float>() * (float)share;
        var pastedRgb = where(mask.unsqueeze(0), texture, rgb);
        var pastedDepth = where(mask, full_like(depth, near), depth);
        return (pastedRgb.MoveToOuterDisposeScope(), pastedDepth.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }
}
