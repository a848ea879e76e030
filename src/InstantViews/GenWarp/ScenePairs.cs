using InstantViews.GenWarp.Depth;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Source/target pairs of procedural scenes by index (pair i is a pure function of split, seed and i, so training
/// resumes on exactly the pairs it would have seen), turned into <see cref="NovelViewBatch"/>es with ground-truth
/// source depth or, when an estimator is given, the estimated depth of the source image.
/// </summary>
public sealed class ScenePairs(SceneStreamConfig config, IDepthEstimator? depth = null) : IDisposable
{
    readonly SceneStream stream = new(config);
    public SceneStreamConfig Config => stream.Config;
    public IDepthEstimator? DepthEstimator => depth;
    public string DepthName => depth is null ? "gt" : "estimated";

    /// <summary>Pairs start .. start + count - 1, rendered in parallel.</summary>
    public ViewPair[] Render(long start, int count)
    {
        var pairs = new ViewPair[count];
        Parallel.For(0, count, i => pairs[i] = stream.RenderPair(start + i));
        return pairs;
    }

    /// <summary>The pairs of the given indices, rendered in parallel.</summary>
    public ViewPair[] Render(IReadOnlyList<long> indices)
    {
        var pairs = new ViewPair[indices.Count];
        Parallel.For(0, indices.Count, i => pairs[i] = stream.RenderPair(indices[i]));
        return pairs;
    }

    /// <summary>Source depth [H, W]: the renderer's ground truth or the estimator's.</summary>
    public Tensor SourceDepth(ViewPair pair)
    {
        if (depth is null) return pair.SourceDepth();
        using var noGrad = no_grad();
        return depth.Estimate(pair.SourceRgb(), pair.SourceCamera).to_type(ScalarType.Float32).cpu();
    }

    public NovelViewBatch Batch(IReadOnlyList<ViewPair> pairs, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var source = stack(pairs.Select(p => p.SourceRgb()).ToArray());
        var target = stack(pairs.Select(p => p.TargetRgb()).ToArray());
        var d = stack(pairs.Select(SourceDepth).ToArray());
        var b = NovelViewBatch.Build(source, d, pairs.Select(p => p.SourceCamera).ToList(), pairs.Select(p => p.TargetCamera).ToList(), target)
            .To(device ?? CPU);
        return new NovelViewBatch(b.Source.MoveToOuterDisposeScope(), b.TargetEmbedding.MoveToOuterDisposeScope(),
            b.WarpedRgb.MoveToOuterDisposeScope(), b.HoleMask.MoveToOuterDisposeScope(), b.Target!.MoveToOuterDisposeScope());
    }

    public void Dispose() => stream.Dispose();
}
