using InstantViews.GenWarp;
using InstantViews.Geometry;
using InstantViews.Metrics;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// The fills measured on warp-back pairs of real photographs (<see cref="WarpBackPairs"/>; the corpus's validation
/// photos, where settings are chosen before the stereo benchmark publishes): each pair is a rectified stereo pair whose
/// left view is the source (the photo stepped sideways, its holes filled) and whose right view is the photo, so
/// <see cref="StereoBenchmark"/> scores it as it scores a real pair, the source's own depth being the truth and the
/// round trip's holes the occluded pixels.
/// </summary>
public static class WarpBackBenchmark
{
    /// <summary>The pair as <see cref="StereoBenchmark"/> reads one: disparity = baseline fx / depth, no principal-point offset.</summary>
    public static StereoInputs Inputs(WarpBackPair pair)
    {
        var baseline = (pair.SourceCamera.Position - pair.TargetCamera.Position).Length;
        var left = pair.SourceCamera.WithPose(RigidTransform.Identity);
        var right = pair.TargetCamera.WithPose(pair.SourceCamera.RelativeTo(pair.TargetCamera));
        return new StereoInputs(pair.Source, pair.Target, left, right, pair.SourceDepth.reciprocal().mul(baseline * left.Fx), baseline, 0);
    }

    /// <summary>
    /// Each fill's scores averaged over pairs 0 .. <paramref name="count"/> - 1 (per-pair PSNR, SSIM and perceptual
    /// distance, then their mean; a pair whose occluded region is empty counts only in the other columns' means).
    /// <paramref name="saveView"/> receives each pair's source, target and every fill's view.
    /// </summary>
    public static StereoResult Run(WarpBackPairs pairs, int count, IReadOnlyList<StereoFill> fills, PerceptualDistance perceptual, Action<int>? pairDone = null,
        Action<string, Tensor>? saveView = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one pair");
        var perPair = new List<StereoResult>();
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var (_, pair) = pairs.Pair(i);
            var index = i;
            saveView?.Invoke($"pair{index}-source", pair.Source);
            saveView?.Invoke($"pair{index}-target", pair.Target);
            // The pair's covisible mask goes with this scope: only the scores are kept.
            perPair.Add(StereoBenchmark.Run(Inputs(pair), [], fills, perceptual, new StereoSettings(Aligned: false, PerceptualSize: pairs.Settings.Size),
                saveView is null ? null : (name, view) => saveView($"pair{index}-{name}", view)) with
            { Covisible = null });
            pairDone?.Invoke(i + 1);
        }
        static double Mean(IEnumerable<double> xs) => xs.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        var rows = perPair[0].Rows.Select((first, k) =>
        {
            var all = perPair.Select(r => r.Rows[k]).ToList();
            return new StereoRow("warp-back", first.Fill, first.Nfe,
                Mean(all.Select(r => r.Psnr)), Mean(all.Select(r => r.Ssim)), Mean(all.Select(r => r.Perceptual)),
                Mean(all.Select(r => r.PsnrCovisible)), Mean(all.Select(r => r.SsimCovisible)), Mean(all.Select(r => r.PerceptualCovisible)),
                Mean(all.Select(r => r.PsnrOccluded)), Mean(all.Select(r => r.SsimOccluded)), Mean(all.Select(r => r.PerceptualOccluded)),
                Mean(all.Select(r => r.Seconds)));
        }).ToList();
        return new StereoResult(rows, [], perPair.Average(r => r.CovisibleFraction), EnclosedHoles: Mean(perPair.Select(r => r.EnclosedHoles)));
    }
}
