using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// A training pair made from one photo and its depth, with no second view (the warp-back self-supervision of AdaMPI,
/// Han et al. 2022, and Stereo-from-Mono, Watson et al. 2020): the photo is forward-warped to a random nearby camera,
/// its holes filled (colour harmonically, depth from the far side), and that view becomes the source whose target is
/// the photo itself at its own camera. Warping it back leaves holes shaped like real disocclusions, and their true
/// content is the photo. <see cref="Inputs"/> builds the model's conditions exactly as at inference.
/// </summary>
public sealed record WarpBackPair(Tensor Source, Tensor SourceDepth, Camera SourceCamera, Camera TargetCamera, Tensor Target) : IDisposable
{
    public WarpInputs Inputs => new(Source.unsqueeze(0), SourceDepth.unsqueeze(0), [SourceCamera], [TargetCamera]);

    /// <summary>
    /// The pair for photo [3,H,W] in [-1, 1] with depth [H,W] and its camera, moved by <see cref="WarpBackCamera.Orbit"/>
    /// (up to <paramref name="maxDegrees"/>) with <paramref name="rng"/>.
    /// </summary>
    public static WarpBackPair Make(Tensor photo, Tensor depth, Camera camera, SceneRandom rng, double maxDegrees = 8) =>
        Make(photo, depth, camera, WarpBackCamera.Orbit(camera, depth, rng, maxDegrees)); // the depth is checked there, before any use

    /// <summary>The pair for photo [3,H,W] in [-1, 1] with depth [H,W] and its camera, moved to <paramref name="moved"/>.</summary>
    public static WarpBackPair Make(Tensor photo, Tensor depth, Camera camera, Camera moved)
    {
        DepthValidation.Require(depth, (int)photo.shape[1], (int)photo.shape[2], "warp-back photo");
        using var scope = NewDisposeScope();
        using var forward = ForwardSplat.Warp(photo, depth, camera, moved);
        var holes = forward.HoleMask;
        // Colour in the holes: the harmonic fill of their surroundings. Depth in the holes: what lies behind, so the fill
        // takes its boundary from each known pixel's farthest known neighbour (5x5), and known pixels keep their own depth.
        var source = HoleFill.Harmonic(forward.Warped, holes);
        var known = holes.lt(0.5f);
        var knownDepth = where(known, forward.Depth, 0);
        var farthest = nn.functional.max_pool2d(knownDepth.unsqueeze(0).unsqueeze(0), 5, 1, 2)[0, 0];
        var filled = HoleFill.Harmonic(where(known, farthest, 0).unsqueeze(0), holes).squeeze(0);
        var sourceDepth = where(known, forward.Depth, filled);
        return new WarpBackPair(source.MoveToOuterDisposeScope(), sourceDepth.contiguous().MoveToOuterDisposeScope(), moved, camera, photo.clone().MoveToOuterDisposeScope());
    }

    /// <summary>The pair's tensors moved to the dispose scope outside the current one.</summary>
    public WarpBackPair MoveToOuterDisposeScope()
    {
        Source.MoveToOuterDisposeScope();
        SourceDepth.MoveToOuterDisposeScope();
        Target.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        Source.Dispose();
        SourceDepth.Dispose();
        Target.Dispose();
    }
}
