using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// How the stereo benchmark makes the right view from the left photo and a depth: the full-resolution warp with its
/// holes left grey, or filled classically (<see cref="HoleFill"/>), or a view model's output composed into the same
/// warp. <see cref="Predict"/> gives the view and its network evaluations (0 for the classical fills).
/// </summary>
public sealed record StereoFill(string Name, Func<Tensor, Tensor, Camera, Camera, (Tensor View, int Nfe)> Predict)
{
    /// <summary>The warp alone, holes grey: a reference line, not a baseline.</summary>
    public static StereoFill Grey { get; } = new("grey", (rgb, depth, source, target) =>
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        return (splat.Warped.clone(), 0);
    });

    /// <summary>The warp's holes take the nearest pixel the source sees.</summary>
    public static StereoFill Nearest { get; } = new("nearest", (rgb, depth, source, target) =>
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        return (HoleFill.Nearest(splat.Warped, splat.HoleMask.gt(0.5f)), 0);
    });

    /// <summary>The warp's holes filled by the harmonic (Laplace) fill: the classical inpainting baseline.</summary>
    public static StereoFill Harmonic { get; } = new("harmonic", (rgb, depth, source, target) =>
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        return (HoleFill.Harmonic(splat.Warped, splat.HoleMask.gt(0.5f).to_type(ScalarType.Float32)), 0);
    });

    /// <summary>
    /// The harmonic fill from the far side only (<see cref="ViewComposition.HarmonicFromFarSide"/>: the occluders beside the
    /// holes are a reflecting wall), so a disocclusion takes the colours of what lies behind: the classical depth-aware fill
    /// of the warp's holes.
    /// </summary>
    public static StereoFill HarmonicFarSide(double margin, double reach) => new("harmonic-far", (rgb, depth, source, target) =>
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        return (ViewComposition.HarmonicFromFarSide(splat.Warped, splat.HoleMask, splat.Depth, margin, reach), 0);
    });

    /// <summary>
    /// The real right photo in a model's place: the truth resized (area) to the model's working size
    /// (<paramref name="workingSize"/> of the photo's height and width) and composed into the same warp with the same
    /// settings, the most a perfect model of that size could score through the composition. A reference line, not a
    /// method: it reads the answer.
    /// </summary>
    public static StereoFill TruthAt(string name, Tensor truth, Func<int, int, (int Height, int Width)> workingSize, CompositionSettings? composition = null) => new(name, (rgb, depth, source, target) =>
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        var (h, w) = workingSize((int)truth.shape[1], (int)truth.shape[2]);
        using var small = Resize.To(truth, h, w, ResizeFilter.Area);
        return (ViewComposition.Compose(splat.Warped, splat.HoleMask, small, composition ?? CompositionSettings.Default, splat.Depth), 0);
    });

    /// <summary>
    /// A view model through its pipeline, composed into the same full-resolution warp (as `nvs` does). Its NFE is that of
    /// a view of a new photo, the semantic-preserver pass included (later views of the same photo reuse that pass).
    /// </summary>
    public static StereoFill Composed(string name, NovelViewPipeline pipeline, long seed, CompositionSettings? composition = null)
    {
        var nfe = -1;
        return new(name, (rgb, depth, source, target) =>
        {
            var size = (int)Math.Max(rgb.shape[1], rgb.shape[2]);
            using var views = PhotoViews.Open(rgb, depth, source, "the row's depth", pipeline, new PhotoViewSizes(size, size), "the left photo");
            views.Composition = composition ?? CompositionSettings.Default;
            var r = views.View(target.WithPose(source.RelativeTo(target)), seed);
            r.Warped.Dispose();
            r.HoleMask.Dispose();
            if (nfe < 0) nfe = r.Nfe + r.PreserverPasses;
            return (r.Generated, nfe);
        });
    }
}
