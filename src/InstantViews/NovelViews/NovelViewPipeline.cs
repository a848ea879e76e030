using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// Single-image novel views with a trained model (multi-step or one-step): resizes the image to the model's working size, warps the
/// coordinates by depth, samples the target; for large moves it generates through intermediate cameras, feeding
/// each output back as the next source (its depth re-estimated, or the warped depth with holes filled).
/// </summary>
public sealed class NovelViewPipeline(INovelViewGenerator generator, Device? device = null)
{
    readonly Device device = device ?? CPU;
    public INovelViewGenerator Generator { get; } = generator;

    /// <summary>The working size for an image: the model's width, the image's aspect, sides a multiple of the U-Net's.</summary>
    public (int Height, int Width) WorkingSize(int height, int width)
    {
        var m = Generator.SizeMultiple;
        var w = Math.Max(m, Generator.Resolution / m * m);
        var h = Math.Max(m, (int)Math.Round((double)w * height / width / m) * m);
        return (h, w);
    }

    /// <summary>Resizes an image [3,H,W], its depth [H,W] and camera to the working size.</summary>
    public (Tensor Rgb, Tensor Depth, Camera Camera) Prepare(Tensor rgb, Tensor depth, Camera camera)
    {
        var (h, w) = WorkingSize((int)rgb.shape[1], (int)rgb.shape[2]);
        if (h == rgb.shape[1] && w == rgb.shape[2]) return (rgb, depth, camera);
        return (Resize.To(rgb, h, w, ResizeFilter.Area), Resize.To(depth.unsqueeze(0), h, w, ResizeFilter.Nearest).squeeze(0), camera.Scaled(w, h));
    }

    /// <summary>The photo, its depth and camera scaled down so that the long side is at most <paramref name="maxSize"/> (unchanged if smaller).</summary>
    public static (Tensor Rgb, Tensor Depth, Camera Camera) Cap(Tensor rgb, Tensor depth, Camera camera, int maxSize)
    {
        var (h, w) = ViewComposition.CappedSize((int)rgb.shape[1], (int)rgb.shape[2], maxSize);
        if (h == rgb.shape[1] && w == rgb.shape[2]) return (rgb, depth, camera);
        return (Resize.To(rgb, h, w, ResizeFilter.Area), Resize.To(depth.unsqueeze(0), h, w, ResizeFilter.Nearest).squeeze(0), camera.Scaled(w, h));
    }

    /// <summary>
    /// Generates the view from <paramref name="target"/> (inputs already at working size, see <see cref="Prepare"/>).
    /// <paramref name="maxStepDegrees"/> &gt; 0 goes through intermediate cameras; <paramref name="estimateDepth"/>
    /// gives each intermediate output its depth (null: the warped depth, holes filled with its median). Each camera
    /// step runs in its own dispose scope and keeps only the view and depth the next step starts from, so memory
    /// does not grow with the number of steps.
    /// </summary>
    public NovelViewResult Generate(Tensor rgb, Tensor depth, Camera source, Camera target, long seed,
        double maxStepDegrees = 0, Func<Tensor, Camera, Tensor>? estimateDepth = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var steps = PoseInterpolation.Steps(source, target, maxStepDegrees);
        // The display warp is the one-jump warp of the source; for a one-step move it is the batch's own.
        using var display = steps.Count > 1 ? ForwardSplat.Warp(rgb, depth, source, target) : null;
        var (warped, holes) = (display?.Warped, display?.HoleMask);
        var (curRgb, curDepth, curCam) = (rgb, depth, source);
        var nfe = 0;
        var preserverBefore = Generator.PreserverRuns;
        Tensor generated = rgb;
        foreach (var cam in steps)
        {
            using var step = NewDisposeScope();
            var built = NovelViewBatch.Build(curRgb.unsqueeze(0), curDepth.unsqueeze(0), [curCam], [cam]);
            if (display is null) (warped, holes) = (built.WarpedRgb[0].MoveToOuterDisposeScope(), built.HoleMask[0, 0].MoveToOuterDisposeScope());
            var batch = built.To(device);
            var (views, n) = Generator.Generate(batch, new WarpInputs(curRgb.unsqueeze(0), curDepth.unsqueeze(0), [curCam], [cam]), seed);
            nfe += n;
            generated = views[0].cpu().MoveToOuterDisposeScope();
            if (cam == target) break;
            // A copy: the estimator may hand back a tensor it keeps.
            var nextDepth = (estimateDepth?.Invoke(generated, cam) ?? FilledWarpedDepth(curDepth, curCam, cam)).to_type(ScalarType.Float32).cpu().clone().MoveToOuterDisposeScope();
            // The previous step's view and depth (not the caller's inputs) are no longer needed.
            if (!ReferenceEquals(curRgb, rgb)) curRgb.Dispose();
            if (!ReferenceEquals(curDepth, depth)) curDepth.Dispose();
            (curRgb, curDepth, curCam) = (generated, nextDepth, cam);
        }
        return new NovelViewResult(warped!.clone().MoveToOuterDisposeScope(), holes!.clone().MoveToOuterDisposeScope(),
            generated.MoveToOuterDisposeScope(), nfe, steps.Count, Generator.PreserverRuns - preserverBefore);
    }

    static Tensor FilledWarpedDepth(Tensor depth, Camera from, Camera to)
    {
        using var splat = ForwardSplat.Warp(depth.unsqueeze(0), depth, from, to);
        var d = splat.Depth;
        var valid = splat.HoleMask.lt(0.5f);
        var fill = valid.any().item<bool>() ? d.masked_select(valid).median() : depth.median();
        return where(valid, d, fill.expand_as(d)).clone();
    }
}
