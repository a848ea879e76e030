using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// Scores generated target views against the real ones. Region metrics use the ground-truth visibility mask (target
/// pixels reached by the source under ground-truth depth): PSNR/SSIM are masked; the regional perceptual distance
/// compares the prediction pasted into the real view outside the region (so only the region differs).
/// </summary>
public sealed class NovelViewEvaluation(ResNet18Features features, Device device, int batchSize = 8)
{
    readonly PerceptualDistance perceptual = new(features);

    /// <summary>
    /// Evaluates one method on pairs: <paramref name="generate"/> maps a batch (and what it was warped from) to targets
    /// [N,3,H,W] in [-1, 1] at the pairs' size.
    /// </summary>
    public (EvalRow Row, Tensor Examples) Evaluate(string method, string range, ScenePairs data, IReadOnlyList<ViewPair> pairs,
        Func<NovelViewBatch, WarpInputs, Tensor> generate, int exampleCount = 4)
    {
        var scored = new List<BatchScores>();
        for (int start = 0; start < pairs.Count; start += batchSize)
            scored.Add(ScoreBatch(data, pairs.Skip(start).Take(batchSize).ToList(), generate, start == 0 ? exampleCount : 0));
        var row = Summarise(method, range, data.DepthName, scored);
        var examples = scored[0].Examples ?? zeros(3, 1, 1);
        foreach (var b in scored) b.Dispose(disposeExamples: false);
        return (row, examples);
    }

    /// <summary>The pairs of batch <paramref name="index"/> (pairs [index·batch, (index+1)·batch)); batches are the unit a sharded evaluation splits.</summary>
    public IReadOnlyList<ViewPair> BatchOf(IReadOnlyList<ViewPair> pairs, int index) => pairs.Skip(index * batchSize).Take(batchSize).ToList();

    /// <summary>How many batches <paramref name="pairs"/> make.</summary>
    public int BatchCount(int pairs) => (pairs + batchSize - 1) / batchSize;

    /// <summary>
    /// Scores one batch: per pair the nine paired metrics (whole, covisible, occluded; NaN for an empty region), and the
    /// ResNet-18 features of the generated and real views; with <paramref name="exampleCount"/> &gt; 0 an example sheet.
    /// </summary>
    public BatchScores ScoreBatch(ScenePairs data, IReadOnlyList<ViewPair> chunk, Func<NovelViewBatch, WarpInputs, Tensor> generate, int exampleCount = 0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inputs = data.Inputs(chunk);
        var batch = ScenePairs.Batch(chunk, inputs, device);
        var visible = data.DepthEstimator is null ? 1 - batch.HoleMask : 1 - GroundTruthHoles(chunk);
        var fake = generate(batch, inputs).clamp(-1, 1).to(device);
        var real = batch.Target!;
        var (f01, r01) = ((fake + 1) / 2, (real + 1) / 2);
        var occluded = 1 - visible;
        var scores = new[]
        {
            Psnr.Compute(f01, r01), Ssim.Compute(f01, r01), perceptual.Compute(fake, real),
            Psnr.Compute(f01, r01, visible), Psnr.Compute(f01, r01, occluded),
            Ssim.Compute(f01, r01, visible), Ssim.Compute(f01, r01, occluded),
            perceptual.Compute(fake * visible + real * occluded, real), perceptual.Compute(fake * occluded + real * visible, real),
        }.Select(t => t.to_type(ScalarType.Float64).cpu().data<double>().ToArray()).ToArray();
        var empty = new[] { visible.sum([1, 2, 3]), occluded.sum([1, 2, 3]) }.Select(t => t.cpu().data<float>().ToArray()).ToArray();
        var perPair = new List<double[]>();
        for (int i = 0; i < chunk.Count; i++)
        {
            var row = scores.Select(s => s[i]).ToArray();
            // A region with no pixels has no score: NaN, skipped by the mean.
            if (empty[0][i] == 0) row[3] = row[5] = row[7] = double.NaN;
            if (empty[1][i] == 0) row[4] = row[6] = row[8] = double.NaN;
            perPair.Add(row);
        }
        var fakeFeatures = features.forward(PerceptualDistance.Upsample(fake, 224)).Pooled.cpu().DetachFromDisposeScope();
        var realFeatures = features.forward(PerceptualDistance.Upsample(real, 224)).Pooled.cpu().DetachFromDisposeScope();
        Tensor? examples = null;
        if (exampleCount > 0)
        {
            var k = Math.Min(exampleCount, chunk.Count);
            examples = NovelViewSampler.Sheet(new NovelViewBatch(batch.Source[..k], batch.TargetEmbedding[..k], batch.WarpedRgb[..k], batch.HoleMask[..k], real[..k]), fake[..k])
                .DetachFromDisposeScope();
        }
        return new BatchScores(perPair, fakeFeatures, realFeatures, examples);
    }

    /// <summary>
    /// The row of a method on a range from its batches in pair order: means of the paired metrics (NaN and infinite
    /// values skipped), KID over subsets of half the pairs and FD between generated and real features.
    /// </summary>
    public static EvalRow Summarise(string method, string range, string depthName, IReadOnlyList<BatchScores> batches)
    {
        var perPair = batches.SelectMany(b => b.PerPair).ToList();
        var fakeAll = cat(batches.Select(b => b.Fake).ToList());
        var realAll = cat(batches.Select(b => b.Real).ToList());
        var n = perPair.Count;
        // Subsets of half the pairs, so that the spread over subsets (kid_std) says how much the figure would move.
        var (kid, kidStd) = n >= 2 ? Kid.Compute(fakeAll, realAll, subsets: 100, subsetSize: Math.Max(2, n / 2)) : (double.NaN, double.NaN);
        var fd = n >= 2 ? Frechet.Distance(new FeatureSet(fakeAll), new FeatureSet(realAll)) : double.NaN;
        double Mean(int j)
        {
            var v = perPair.Select(r => r[j]).Where(x => !double.IsNaN(x) && !double.IsInfinity(x)).ToList();
            return v.Count == 0 ? double.NaN : v.Average();
        }
        return new EvalRow(method, range, depthName, n, Mean(0), Mean(1), Mean(2), Mean(3), Mean(4), Mean(5), Mean(6), Mean(7), Mean(8), kid, kidStd, fd);
    }

    // The visibility truth for the estimated-depth table: holes of the ground-truth warp.
    Tensor GroundTruthHoles(IReadOnlyList<ViewPair> pairs)
    {
        var depth = stack(pairs.Select(p => p.SourceDepth()).ToArray());
        using var splat = Geometry.ForwardSplat.Warp(stack(pairs.Select(p => p.SourceRgb()).ToArray()), depth,
            pairs.Select(p => p.SourceCamera).ToList(), pairs.Select(p => p.TargetCamera).ToList());
        return splat.HoleMask.unsqueeze(1).to(device).clone();
    }

    /// <summary>Renders evaluation-split pairs until each range holds <paramref name="perRange"/> (or the render budget runs out).</summary>
    public static Dictionary<string, List<ViewPair>> SelectPairs(ScenePairs data, int perRange, int maxRenders)
    {
        var all = new List<ViewPair>();
        var split = CovisibilityRange.Split(all, perRange);
        for (long next = 0; next < maxRenders && split.Values.Any(l => l.Count < perRange); next += 16)
        {
            all.AddRange(data.Render(next, (int)Math.Min(16, maxRenders - next)));
            split = CovisibilityRange.Split(all, perRange);
        }
        return split;
    }

    /// <summary>Writes an example grid (source | warped | generated | ground truth) as PNG.</summary>
    public static void WriteExamples(string path, Tensor sheet) => ImageFile.Write(path, sheet);
}
