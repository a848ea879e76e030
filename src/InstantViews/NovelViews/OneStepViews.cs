using InstantViews.GenWarp;
using InstantViews.Nn;
using InstantViews.OneStep;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>
/// A one-step GenWarp: one network evaluation per view. The per-source part of the condition (semantic preserver,
/// global context) is cached for the last source seen, so a sweep of views of one image pays for it once; the
/// cache is keyed by the source's pixels, so it can never serve a stale condition. Its noise is drawn at
/// <paramref name="noiseScale"/> x sigma_max (<see cref="Runtime.SamplingDefaults.NoiseScale"/>).
/// </summary>
public sealed class OneStepViews(OneStepGenWarp model, double noiseScale = 1) : INovelViewGenerator, IDisposable
{
    /// <summary>The share of sigma_max the noise is drawn at (1: as trained; 0: one deterministic view per camera).</summary>
    public double NoiseScale { get; } = noiseScale is >= 0 and <= 1 ? noiseScale : throw new Runtime.UserError($"the noise scale must be 0 to 1, got {noiseScale}");

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
        return (model.Generate(Prepare(batch.Source), batch.TargetEmbedding, new Generator((ulong)seed), noiseScale: NoiseScale).clamp(-1, 1), 1);
    }

    /// <summary>A grown model: the condition warped at the base size, the guides at each level's size (<see cref="GrowthGuides"/>), one evaluation.</summary>
    public (Tensor Views, int Nfe) Generate(NovelViewBatch batch, WarpInputs inputs, long seed)
    {
        var levels = model.Cfg.Levels;
        if (levels == 0) return Generate(batch, seed);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // The batch is the inputs' own warp at the output size: the top level's guide, not warped again.
        var (small, guides) = GrowthGuides.Prepare(inputs, levels, batch.Source.device, batch);
        var views = model.Generate(Prepare(small.Source), small.TargetEmbedding, new Generator((ulong)seed), guides, NoiseScale).clamp(-1, 1);
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
