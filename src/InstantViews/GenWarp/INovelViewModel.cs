using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// A diffusion model of the target view given a <see cref="NovelViewBatch"/> (GenWarp or the warp-and-inpaint
/// baseline): one trainer, one sampler path and one evaluation serve both.
/// </summary>
public interface INovelViewModel : ICheckpointable
{
    /// <summary>The U-Net config (its Resolution is the working width; sizes must divide by <see cref="SizeMultiple"/>).</summary>
    UNetConfig NetConfig { get; }

    /// <summary>Image sides must be multiples of this (one halving per U-Net level below the first).</summary>
    int SizeMultiple => 1 << (NetConfig.ChannelMult.Length - 1);

    /// <summary>Per-sample EDM loss [N] on the batch's targets; draws noise (and guidance drops) from <paramref name="gen"/>.</summary>
    Tensor TrainingLoss(NovelViewBatch batch, Generator gen);

    /// <summary>A sampler-ready denoiser for the batch's conditions; <paramref name="guidance"/> is the CFG scale (1 = conditional only).</summary>
    IDenoiser Denoiser(NovelViewBatch batch, double guidance = 1);
}
