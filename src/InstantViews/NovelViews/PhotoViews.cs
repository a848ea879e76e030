using System.Diagnostics;
using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// One photo opened for interactive viewing (the viewer, benchmarks): the photo with its long side capped, its depth
/// and camera, and the view from any pose relative to the source camera. Poses are world-to-camera transforms in the
/// source camera's axes (OpenCV: x right, y down, z forward), so the source view is the identity. A view is generated
/// by the model at its working size and composed (<see cref="ViewComposition"/>) at the fill size; the semantic
/// preserver runs once per photo (a one-step generator caches it). Not re-entrant: one view at a time.
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

    readonly (Tensor Rgb, Tensor Depth, Camera Camera) fill;

    PhotoViews(Tensor rgb, Tensor depth, Camera camera, string depthDescription, NovelViewPipeline pipeline, int fillSize)
    {
        (Rgb, Depth, Camera, DepthDescription, Pipeline) = (rgb, depth, camera, depthDescription, pipeline);
        var values = depth.flatten();
        MedianDepth = values.median().item<float>();
        var (fr, fd, fc) = NovelViewPipeline.Cap(rgb, depth, camera, fillSize);
        fill = (fr.contiguous(), fd.contiguous(), fc);
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
        if (h != photo.shape[1] || w != photo.shape[2]) (photo, camera) = (Resize.To(photo, h, w, ResizeFilter.Area), camera.Scaled(w, h));
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
        var (rgb, depth, cam) = fill;
        var target = cam.WithPose(pose);
        var (small, smallDepth, smallCam) = Pipeline.Prepare(rgb, depth, cam);
        var generated = Pipeline.Generate(small, smallDepth, smallCam, target.Scaled(smallCam.Width, smallCam.Height), seed).Generated;
        var generateMs = clock.Elapsed.TotalMilliseconds;
        var (view, _, _) = ViewComposition.ComposeView(rgb, depth, cam, target, generated);
        var total = clock.Elapsed.TotalMilliseconds;
        return new PhotoView(view.MoveToOuterDisposeScope(), pose, total, generateMs, total - generateMs);
    }

    public void Dispose()
    {
        Rgb.Dispose();
        Depth.Dispose();
        fill.Rgb.Dispose();
        fill.Depth.Dispose();
    }
}
