using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Nn;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Anything that turns a <see cref="NovelViewBatch"/> into target views: a diffusion model with its sampler
/// (<see cref="SampledViews"/>) or a one-step generator (<see cref="OneStepViews"/>). Pipelines, evaluation and
/// benchmarks take this, so a one-step model goes wherever a GenWarp model goes.
/// </summary>
public interface INovelViewGenerator
{
    /// <summary>The model kind ("genwarp", "warp-inpaint", "genwarp-1step").</summary>
    string Kind { get; }

    /// <summary>The U-Net config (its Resolution is the working width).</summary>
    UNetConfig NetConfig { get; }

    /// <summary>Width views are made at (a grown one-step model: its output size).</summary>
    int Resolution => NetConfig.Resolution;

    /// <summary>Image sides must be multiples of this.</summary>
    int SizeMultiple => 1 << (NetConfig.ChannelMult.Length - 1);

    /// <summary>Views [N,3,H,W] in [-1, 1] for the batch's warps; the noise comes from <paramref name="seed"/>; Nfe per view.</summary>
    (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed);

    /// <summary>
    /// Views for <paramref name="batch"/>, built at the working size from <paramref name="inputs"/>; generators that
    /// work at several sizes (a grown one-step model) re-warp the inputs at theirs. By default: <see cref="Generate(NovelViewBatch, long)"/>.
    /// </summary>
    (Tensor Views, int Nfe) Generate(NovelViewBatch batch, WarpInputs inputs, long seed) => Generate(batch, seed);

    /// <summary>
    /// How many times the generator has run GenWarp's semantic preserver (one network pass over a batch of sources, not
    /// counted in Nfe) since it was made; 0 for models without one (warp-and-inpaint).
    /// </summary>
    int PreserverRuns => 0;
}

/// <summary>What a warp batch was built from: sources [N,3,H,W], their depth [N,H,W], source and target cameras at H x W.</summary>
public sealed record WarpInputs(Tensor Source, Tensor Depth, IReadOnlyList<Camera> Sources, IReadOnlyList<Camera> Targets)
{
    /// <summary>The same inputs at <paramref name="height"/> x <paramref name="width"/>: sources by area, depth nearest, cameras scaled (these when already that size).</summary>
    public WarpInputs Resized(int height, int width) => Source.shape[2] == height && Source.shape[3] == width ? this
        : new(Resize.To(Source, height, width, ResizeFilter.Area), Resize.To(Depth.unsqueeze(1), height, width, ResizeFilter.Nearest).squeeze(1),
            Sources.Select(c => c.Scaled(width, height)).ToList(), Targets.Select(c => c.Scaled(width, height)).ToList());

    /// <summary>The warp batch of these inputs (no targets).</summary>
    public NovelViewBatch Batch() => NovelViewBatch.Build(Source, Depth, Sources, Targets);
}

/// <summary>A diffusion novel-view model sampled with <see cref="NovelViewSampler"/> (NFE counted by the sampler).</summary>
public sealed class SampledViews(INovelViewModel model, NovelViewSampling sampling) : INovelViewGenerator
{
    public INovelViewModel Model => model;
    public NovelViewSampling Sampling => sampling;
    public string Kind => model.Kind;
    public UNetConfig NetConfig => model.NetConfig;

    /// <summary>GenWarp runs its preserver once per sampled batch (every denoiser evaluation reuses its tokens).</summary>
    public int PreserverRuns { get; private set; }

    public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed)
    {
        var r = NovelViewSampler.Sample(model, batch, sampling, seed);
        if (model is GenWarpModel) PreserverRuns++;
        return (r.X, r.Nfe);
    }
}

/// <summary>
/// A one-step GenWarp: one network evaluation per view. The per-source part of the condition (semantic preserver,
/// global context) is cached for the last source seen, so a sweep of views of one image pays for it once; the
/// cache is keyed by the source's pixels, so it can never serve a stale condition.
/// </summary>
public sealed class OneStepViews(OneStepGenWarp model) : INovelViewGenerator, IDisposable
{
    Tensor? cachedPixels;
    GenWarpSource? cached;

    public OneStepGenWarp Model => model;
    public string Kind => model.Kind;
    public UNetConfig NetConfig => model.NetConfig;
    public int Resolution => model.OutputResolution;
    public int SizeMultiple => model.SizeMultiple << model.Cfg.Levels;
    /// <summary>How many times the semantic preserver ran (a sweep of one source: once).</summary>
    public int PreserverRuns { get; private set; }

    /// <summary>The prepared condition of <paramref name="source"/> [N,3,H,W], from the cache when the pixels match.</summary>
    public GenWarpSource Prepare(Tensor source)
    {
        using var noGrad = no_grad();
        if (cached is not null && cachedPixels is not null && cachedPixels.shape.SequenceEqual(source.shape)
            && cachedPixels.device_type == source.device_type && cachedPixels.device_index == source.device_index && cachedPixels.eq(source).all().item<bool>())
            return cached;
        using (NewDisposeScope())
        {
            var prepared = model.Prepare(source).Detach();
            ClearCache();
            cachedPixels = source.detach().clone().DetachFromDisposeScope();
            cached = prepared;
        }
        PreserverRuns++;
        return cached;
    }

    public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed)
    {
        if (model.Cfg.Levels > 0) throw new InvalidOperationException("a grown one-step model needs the warp's inputs: call Generate(batch, inputs, seed)");
        using var noGrad = no_grad();
        return (model.Generate(Prepare(batch.Source), batch.TargetEmbedding, new Generator((ulong)seed)).clamp(-1, 1), 1);
    }

    /// <summary>A grown model: the condition warped at the base size, the guides at each level's size (<see cref="GrowthGuides"/>), one evaluation.</summary>
    public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, WarpInputs inputs, long seed)
    {
        var levels = model.Cfg.Levels;
        if (levels == 0) return Generate(batch, seed);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (small, guides) = GrowthGuides.Prepare(inputs, levels, batch.Source.device);
        var views = model.Generate(Prepare(small.Source), small.TargetEmbedding, new Generator((ulong)seed), guides).clamp(-1, 1);
        return (views.MoveToOuterDisposeScope(), 1);
    }

    void ClearCache()
    {
        cachedPixels?.Dispose();
        if (cached is not null)
        {
            cached.Context.Dispose();
            foreach (var t in cached.Reference) t.Dispose();
            cached.SourceEmbedding.Dispose();
        }
        (cachedPixels, cached) = (null, null);
    }

    public void Dispose() => ClearCache();
}
