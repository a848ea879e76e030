using InstantViews.GenWarp;
using InstantViews.Nn;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

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
