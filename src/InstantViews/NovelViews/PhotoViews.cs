using System.Diagnostics;
using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// The one path from a photo to its views (`nvs`, `orbit`, the viewer, benchmarks): the photo's long side capped once,
/// its depth estimated after capping (a map recorded for the photo is read at its size and capped with it), the inputs
/// at the model's working size and at the fill size made once; then a view from any camera: generated at the working
/// size and composed (<see cref="ViewComposition"/>) with the fill-size warp (made on a second thread while the model
/// runs), or the model's output alone. Poses are
/// world-to-camera transforms in the source camera's axes (OpenCV: x right, y down, z forward), so the source view is
/// the identity. The semantic preserver runs once per photo (a one-step generator caches it). Not re-entrant: one view
/// at a time.
/// </summary>
public sealed class PhotoViews : IDisposable
{
    /// <summary>The photo [3,H,W] in [-1, 1], long side at most <see cref="PhotoViewSizes.MaxSize"/>.</summary>
    public Tensor Rgb { get; }
    /// <summary>Depth [H,W] in metres at the photo's size.</summary>
    public Tensor Depth { get; }
    /// <summary>The photo's intrinsics at its size, at the identity pose.</summary>
    public Camera Camera { get; }
    public double MedianDepth { get; }
    public string DepthDescription { get; }
    public NovelViewPipeline Pipeline { get; }
    /// <summary>Size of the fill views (the photo's aspect, long side at most the fill size).</summary>
    public (int Height, int Width) FillSize => (fill.Camera.Height, fill.Camera.Width);

    /// <summary>How composed views join the warp and the generated view (checked when set).</summary>
    public CompositionSettings Composition
    {
        get => composition;
        set => composition = value.Check();
    }

    CompositionSettings composition = CompositionSettings.Default;

    /// <summary>The photo, depth and camera at the model's working size (what the model is given).</summary>
    public (Tensor Rgb, Tensor Depth, Camera Camera) Working => working;

    readonly (Tensor Rgb, Tensor Depth, Camera Camera) fill, working;

    PhotoViews(Tensor rgb, Tensor depth, Camera camera, string depthDescription, NovelViewPipeline pipeline, int fillSize)
    {
        (Rgb, Depth, Camera, DepthDescription, Pipeline) = (rgb, depth, camera, depthDescription, pipeline);
        MedianDepth = Median(depth);
        var (fr, fd, fc) = NovelViewPipeline.Cap(rgb, depth, camera, fillSize);
        fill = (fr.contiguous(), fd.contiguous(), fc);
        var (wr, wd, wc) = pipeline.Prepare(fill.Rgb, fill.Depth, fill.Camera);
        working = (wr.contiguous(), wd.contiguous(), wc);
    }

    /// <summary>The median of a depth map (the upper one of an even count), the pivot of orbits.</summary>
    public static double Median(Tensor depth)
    {
        var values = depth.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        Array.Sort(values);
        return values[values.Length / 2];
    }

    /// <summary>
    /// Opens a photo [3,H,W] with its depth from <paramref name="depth"/>, estimated once the photo is capped to
    /// <see cref="PhotoViewSizes.MaxSize"/> (a 64-megapixel upload does not reach the depth network at full size).
    /// </summary>
    public static PhotoViews Open(Tensor photo, Camera camera, IDepthEstimator depth, NovelViewPipeline pipeline, PhotoViewSizes sizes, string name)
    {
        sizes.Check();
        SourceImages.Require(name, (int)photo.shape[2], (int)photo.shape[1]);
        var (h, w) = ViewComposition.RequireCappedSize(name, (int)photo.shape[1], (int)photo.shape[2], sizes.MaxSize);
        // A map recorded for the photo is at the photo's size: read it there; Open caps it with the photo.
        if (!depth.FixedMap && (h != photo.shape[1] || w != photo.shape[2])) (photo, camera) = (Resize.To(photo, h, w, ResizeFilter.Area), camera.Scaled(w, h));
        Tensor d;
        using (no_grad()) d = depth.Estimate(photo, camera).to_type(ScalarType.Float32).cpu().contiguous();
        return Open(photo, d, camera, depth.Description, pipeline, sizes, name);
    }

    /// <summary>
    /// Opens a photo [3,H,W] with its depth [H,W] (validated): photo, depth and camera capped to
    /// <see cref="PhotoViewSizes.MaxSize"/>. The camera's pose is dropped (views are relative to it).
    /// </summary>
    public static PhotoViews Open(Tensor photo, Tensor depth, Camera camera, string depthDescription, NovelViewPipeline pipeline, PhotoViewSizes sizes, string name)
    {
        sizes.Check();
        int h = (int)photo.shape[1], w = (int)photo.shape[2];
        SourceImages.Require(name, w, h);
        DepthValidation.Require(depth, h, w, $"depth from {depthDescription}");
        ViewComposition.RequireCappedSize(name, h, w, sizes.MaxSize);
        var (rgb, capped, cam) = NovelViewPipeline.Cap(photo, depth, camera.WithPose(RigidTransform.Identity), sizes.MaxSize);
        return new PhotoViews(rgb.contiguous(), capped.contiguous(), cam, depthDescription, pipeline, sizes.FillSize);
    }

    /// <summary>The view from <paramref name="pose"/> (world-to-camera, source camera = identity) at the fill size.</summary>
    public PhotoView Render(RigidTransform pose, long seed = 0)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var target = fill.Camera.WithPose(pose);
        var generateMs = 0.0;
        var (view, _, _) = Composed(target, keepWarp: false, () =>
        {
            var generated = Generate(target, seed).Generated;
            generateMs = clock.Elapsed.TotalMilliseconds;
            return generated;
        });
        var total = clock.Elapsed.TotalMilliseconds;
        return new PhotoView(view.MoveToOuterDisposeScope(), pose, total, generateMs, total - generateMs);
    }

    /// <summary>
    /// The view from <paramref name="target"/> (a camera of any size with the photo's aspect; rescaled here): composed at
    /// the fill size (Generated is the composed view; Warped and HoleMask the fill-size warp), or with
    /// <paramref name="composed"/> false the model's output at the working size with the working-size warp.
    /// <paramref name="maxStepDegrees"/> and <paramref name="estimateDepth"/> as <see cref="NovelViewPipeline.Generate"/>.
    /// </summary>
    public NovelViewResult View(Camera target, long seed = 0, double maxStepDegrees = 0, Func<Tensor, Camera, Tensor>? estimateDepth = null, bool composed = true)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (!composed)
        {
            var own = Generate(target, seed, maxStepDegrees, estimateDepth);
            return new NovelViewResult(own.Warped.MoveToOuterDisposeScope(), own.HoleMask.MoveToOuterDisposeScope(), own.Generated.MoveToOuterDisposeScope(), own.Nfe, own.Steps, own.PreserverPasses);
        }
        NovelViewResult? r = null;
        var (view, warped, holes) = Composed(target.Scaled(fill.Camera.Width, fill.Camera.Height), keepWarp: true, () => (r = Generate(target, seed, maxStepDegrees, estimateDepth)).Generated);
        return new NovelViewResult(warped!.MoveToOuterDisposeScope(), holes!.MoveToOuterDisposeScope(), view.MoveToOuterDisposeScope(), r!.Nfe, r.Steps, r.PreserverPasses);
    }

    /// <summary>
    /// The composed view from <paramref name="target"/> (at the fill size): the fill-size warp and what the composition
    /// reads from it alone (<see cref="ViewComposition.Plan"/>) are made on the <see cref="WorkerThread"/> while
    /// <paramref name="generate"/> runs on this thread, then composed. Returns the view and, with
    /// <paramref name="keepWarp"/>, the warp and its hole mask, in the caller's dispose scope.
    /// </summary>
    (Tensor View, Tensor? Warped, Tensor? Holes) Composed(Camera target, bool keepWarp, Func<Tensor> generate)
    {
        var prepared = WorkerThread.Run(() =>
        {
            // What the caller takes leaves this thread's dispose scope; everything else is freed with it.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // On the worker alone (no pool threads): the model keeps the cores. The depth was validated when opened.
            var splat = ForwardSplat.WarpValidated(fill.Rgb, fill.Depth, fill.Camera, target, parallel: false);
            var plan = ViewComposition.Plan(splat.Warped, splat.HoleMask, composition, splat.Depth).Detach();
            return (Warped: splat.Warped.DetachFromDisposeScope(), Holes: splat.HoleMask.DetachFromDisposeScope(), Plan: plan);
        });
        Tensor generated;
        try { generated = generate(); }
        catch
        {
            // The worker is waited for (and what it made released) before the error goes on.
            try { var (w, h, p) = prepared.GetAwaiter().GetResult(); p.Dispose(); w.Dispose(); h.Dispose(); } catch { }
            throw;
        }
        var (warped, holes, plan) = prepared.GetAwaiter().GetResult();
        // The worker's tensors become this thread's (aliases in the caller's scope; the storage is shared, not copied).
        using (warped)
        using (holes)
        using (plan)
        {
            if (keepWarp) return (plan.Compose(generated), warped.alias(), holes.alias());
            return (plan.Compose(generated, intoWarp: true).alias(), null, null); // the warp becomes the view
        }
    }

    NovelViewResult Generate(Camera target, long seed, double maxStepDegrees = 0, Func<Tensor, Camera, Tensor>? estimateDepth = null) =>
        Pipeline.Generate(working.Rgb, working.Depth, working.Camera, target.Scaled(working.Camera.Width, working.Camera.Height), seed, maxStepDegrees, estimateDepth);

    public void Dispose()
    {
        Rgb.Dispose();
        Depth.Dispose();
        fill.Rgb.Dispose();
        fill.Depth.Dispose();
        working.Rgb.Dispose();
        working.Depth.Dispose();
    }
}
