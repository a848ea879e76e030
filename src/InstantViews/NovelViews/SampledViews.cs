using InstantViews.GenWarp;
using InstantViews.Nn;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

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
