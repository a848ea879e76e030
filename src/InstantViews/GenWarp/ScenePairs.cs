using InstantViews.Depth;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Source/target pairs of procedural scenes by index (pair i is a pure function of split, seed and i, so training
/// resumes on exactly the pairs it would have seen), turned into <see cref="NovelViewBatch"/>es with ground-truth
/// source depth or, when an estimator is given, the estimated depth of the source image.
/// </summary>
public sealed class ScenePairs(SceneStreamConfig config, IDepthEstimator? depth = null) : INovelViewPairSource
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

    /// <summary>The pairs of the given indices, rendered: what each is warped from, and its target views.</summary>
    public (WarpInputs Inputs, Tensor Targets) Pairs(IReadOnlyList<long> indices)
    {
        var pairs = Render(indices);
        return (Inputs(pairs), Targets(pairs));
    }

    /// <summary>The target views [N,3,H,W] of <paramref name="pairs"/>.</summary>
    static Tensor Targets(IReadOnlyList<ViewPair> pairs) => stack(pairs.Select(p => p.TargetRgb()).ToArray());

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
        return Batch(pairs, Inputs(pairs), device).MoveToOuterDisposeScope();
    }

    /// <summary>What a batch of <paramref name="pairs"/> is warped from: sources, their depth (true or estimated), cameras.</summary>
    public WarpInputs Inputs(IReadOnlyList<ViewPair> pairs) => new(stack(pairs.Select(p => p.SourceRgb()).ToArray()), stack(pairs.Select(SourceDepth).ToArray()),
        pairs.Select(p => p.SourceCamera).ToList(), pairs.Select(p => p.TargetCamera).ToList());

    /// <summary>The batch of <paramref name="pairs"/> warped from <paramref name="inputs"/> (<see cref="Inputs"/>), targets included.</summary>
    public static NovelViewBatch Batch(IReadOnlyList<ViewPair> pairs, WarpInputs inputs, Device? device = null)
    {
        using var scope = NewDisposeScope();
        return NovelViewBatch.Build(inputs.Source, inputs.Depth, inputs.Sources, inputs.Targets, Targets(pairs)).To(device ?? CPU).MoveToOuterDisposeScope();
    }

    public void Dispose() => stream.Dispose();
}
