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

    /// <summary>Image sides must be multiples of this.</summary>
    int SizeMultiple => 1 << (NetConfig.ChannelMult.Length - 1);

    /// <summary>Views [N,3,H,W] in [-1, 1] for the batch's warps; the noise comes from <paramref name="seed"/>; Nfe per view.</summary>
    (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed);
}

/// <summary>A diffusion novel-view model sampled with <see cref="NovelViewSampler"/> (NFE counted by the sampler).</summary>
public sealed class SampledViews(INovelViewModel model, NovelViewSampling sampling) : INovelViewGenerator
{
    public INovelViewModel Model => model;
    public NovelViewSampling Sampling => sampling;
    public string Kind => model.Kind;
    public UNetConfig NetConfig => model.NetConfig;

    public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, long seed)
    {
        var r = NovelViewSampler.Sample(model, batch, sampling, seed);
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
        using var noGrad = no_grad();
        return (model.Generate(Prepare(batch.Source), batch.TargetEmbedding, new Generator((ulong)seed)).clamp(-1, 1), 1);
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
