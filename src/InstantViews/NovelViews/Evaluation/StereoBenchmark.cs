using System.Diagnostics;
using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// The real-photo benchmark (docs/real-photos.md): a rectified stereo pair, the right view predicted from the left at
/// full resolution with every depth source and every fill, scored against the real right photo over the whole frame,
/// the covisible pixels (where the left pixels with a known true disparity land) and the occluded ones; each depth
/// source scored against the true depth.
/// </summary>
public static class StereoBenchmark
{
    /// <summary>
    /// Every row: for each depth source (the truth first, then each estimate as the user gets it and, when
    /// <see cref="StereoSettings.Aligned"/>, aligned to the truth), each fill. Depth is estimated once per source.
    /// </summary>
    public static StereoResult Run(StereoInputs pair, IReadOnlyList<StereoDepthSource> depths, IReadOnlyList<StereoFill> fills,
        PerceptualDistance perceptual, StereoSettings? settings = null, Action<string, Tensor>? saveView = null)
    {
        var s = settings ?? new StereoSettings();
        pair.Check();
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        var disparity = pair.Disparity;
        var known = disparity.isfinite();
        if (!known.any().item<bool>()) throw new Runtime.UserError("the pair's disparity has no known pixel: nothing to score against");
        var trueDepth = pair.TrueDepth();
        var (warpDepth, covisible, holes) = TrueWarp(pair);
        var masks = new Masks(covisible, 1 - covisible);
        var rows = new List<StereoRow>();
        var scores = new List<StereoDepthScore>();
        var sources = new List<(string Name, Tensor Depth)> { ("true", warpDepth) };
        foreach (var d in depths)
        {
            var clock = Stopwatch.StartNew();
            var estimate = d.Estimate(pair.Left, pair.LeftCamera).to_type(ScalarType.Float32);
            var seconds = clock.Elapsed.TotalSeconds;
            if (!estimate.shape.SequenceEqual(trueDepth.shape))
                throw new ArgumentException($"depth '{d.Name}' is {estimate.shape[1]}x{estimate.shape[0]}, the pair is {trueDepth.shape[1]}x{trueDepth.shape[0]}");
            scores.Add(StereoDepthScore.Of(d.Name, estimate, trueDepth, disparity, seconds));
            sources.Add((d.Name, estimate));
            if (s.Aligned) sources.Add(($"{d.Name} aligned", pair.DepthOf(AlignedDisparity(estimate, disparity))));
        }
        foreach (var (depthName, depth) in sources)
            foreach (var fill in fills)
            {
                using var rowScope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                var (predicted, nfe) = fill.Predict(pair.Left, depth, pair.LeftCamera, pair.RightCamera);
                var seconds = clock.Elapsed.TotalSeconds;
                var view = predicted.clamp(-1, 1);
                saveView?.Invoke($"{depthName}-{fill.Name}", view);
                rows.Add(Score(depthName, fill.Name, nfe, view, pair.Right, masks, perceptual, s, seconds));
            }
        return new StereoResult(rows, scores, covisible.mean().item<float>(), covisible.MoveToOuterDisposeScope(), EnclosedShare(holes));
    }

    sealed record Masks(Tensor Covisible, Tensor Occluded);

    /// <summary>
    /// The depth the true-depth rows warp with (the true disparity's depth, unknown disparities given the harmonic fill
    /// of the known ones, since the warp needs a depth everywhere) and the covisible mask [H,W] (1 where a left pixel
    /// with a known true disparity lands in the right view); the occluded pixels are the rest. Also the holes [H,W] of that
    /// warp (1 where no left pixel lands), the pixels a fill supplies.
    /// </summary>
    public static (Tensor WarpDepth, Tensor Covisible, Tensor Holes) TrueWarp(StereoInputs pair)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode();
        var known = pair.Disparity.isfinite();
        var filledDisparity = HoleFill.Harmonic(where(known, pair.Disparity, 0).unsqueeze(0), known.logical_not().to_type(ScalarType.Float32)).squeeze(0);
        var warpDepth = pair.DepthOf(filledDisparity);
        using var seen = ForwardSplat.Warp(known.to_type(ScalarType.Float32).unsqueeze(0), warpDepth, pair.LeftCamera, pair.RightCamera);
        var covisible = seen.HoleMask.lt(0.5f).logical_and(seen.Warped[0].gt(0.5f)).to_type(ScalarType.Float32);
        return (warpDepth.MoveToOuterDisposeScope(), covisible.MoveToOuterDisposeScope(), seen.HoleMask.gt(0.5f).to_type(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    /// <summary>The share of the hole pixels [H,W] (1 = hole) that are enclosed (<see cref="ViewComposition.Enclosed"/>); NaN without holes.</summary>
    public static double EnclosedShare(Tensor holes)
    {
        using var scope = NewDisposeScope();
        var mask = holes.gt(0.5f);
        var n = mask.sum().item<long>();
        return n == 0 ? double.NaN : ViewComposition.Enclosed(mask).sum().item<long>() / (double)n;
    }

    static StereoRow Score(string depth, string fill, int nfe, Tensor view, Tensor right, Masks masks, PerceptualDistance perceptual, StereoSettings s, double seconds)
    {
        var (p01, t01) = (view.add(1).div(2).unsqueeze(0), right.add(1).div(2).unsqueeze(0));
        // One SSIM map for the three regions; each measure frees what it made before the next one.
        var ssimMap = Metrics.Ssim.Map(p01, t01);
        double Psnr(Tensor? m)
        {
            using var scope = NewDisposeScope();
            return Metrics.Psnr.Compute(p01, t01, m?.unsqueeze(0).unsqueeze(0)).item<float>();
        }
        double Ssim(Tensor? m)
        {
            using var scope = NewDisposeScope();
            return (m is null ? Metrics.Ssim.Reduce(ssimMap) : Metrics.Ssim.Region(ssimMap, m.unsqueeze(0).unsqueeze(0))).item<float>();
        }
        // The perceptual distance of a region: the prediction inside it, the truth outside, at the benchmark's size.
        double Perceptual(Tensor? m)
        {
            using var scope = NewDisposeScope();
            var inside = m is null ? view : view * m + right * (1 - m);
            // The network's stages halve the size five times: a multiple of 32 keeps every stage's shortcut aligned.
            var (h, w) = ViewComposition.CappedSize((int)right.shape[1], (int)right.shape[2], s.PerceptualSize) is var (ch, cw)
                ? (Math.Max(32, (int)Math.Round(ch / 32.0) * 32), Math.Max(32, (int)Math.Round(cw / 32.0) * 32)) : default;
            return perceptual.Compute(Resize.To(inside, h, w, ResizeFilter.Area).unsqueeze(0), Resize.To(right, h, w, ResizeFilter.Area).unsqueeze(0)).item<float>();
        }
        return new StereoRow(depth, fill, nfe,
            Psnr(null), Ssim(null), Perceptual(null),
            Psnr(masks.Covisible), Ssim(masks.Covisible), Perceptual(masks.Covisible),
            Psnr(masks.Occluded), Ssim(masks.Occluded), Perceptual(masks.Occluded), seconds);
    }

    /// <summary>The estimate's disparity a/Z + b, with a and b fitted to the known true disparity by least squares.</summary>
    public static Tensor AlignedDisparity(Tensor estimate, Tensor disparity)
    {
        using var scope = NewDisposeScope();
        var inv = estimate.clamp_min(1e-6f).reciprocal().to_type(ScalarType.Float64);
        var valid = disparity.isfinite();
        var (x, y) = (inv.masked_select(valid), disparity.masked_select(valid).to_type(ScalarType.Float64));
        var (mx, my) = (x.mean(), y.mean());
        var a = ((x - mx) * (y - my)).sum() / (x - mx).square().sum().clamp_min(1e-12);
        var b = my - a * mx;
        return (inv * a + b).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
