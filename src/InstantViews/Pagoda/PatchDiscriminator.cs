using InstantViews.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>
/// A patch discriminator trained from scratch (the PatchGAN of pix2pix, Isola et al. 2017, made small): two stride-2
/// 4x4 convolutions and two 3x3 ones (64, 128, 256 channels, group-normalised, LeakyReLU 0.2) map an image to a logit
/// per patch; the image's logit is their mean. It reads no pretrained network, so the evaluation's ResNet-18 (FD, KID,
/// perceptual distance) judges a generator that never trained against it. A conditioned one reads the condition image
/// concatenated to the image's channels.
/// </summary>
public sealed class PatchDiscriminator : GanDiscriminator
{
    readonly Sequential net;
    readonly bool conditioned;

    public override bool Conditioned => conditioned;

    public override bool JudgesPatches => true;

    public PatchDiscriminator(bool conditioned = false, int channels = 64) : base(nameof(PatchDiscriminator))
    {
        this.conditioned = conditioned;
        var c = channels;
        net = nn.Sequential(
            nn.Conv2d(conditioned ? 6 : 3, c, 4, stride: 2, padding: 1), nn.LeakyReLU(0.2),
            nn.Conv2d(c, 2 * c, 4, stride: 2, padding: 1), Layers.GroupNorm(8, 2 * c), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * c, 4 * c, 3, padding: 1), Layers.GroupNorm(8, 4 * c), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * c, 1, 3, padding: 1));
        RegisterComponents();
    }

    /// <summary>Logits [N] for images [N,3,H,W] in [-1, 1] (H, W at least 4), the mean of the patch logits.</summary>
    public override Tensor Logits(Tensor x, Tensor? condition) => PatchLogits(x, condition).mean([1L, 2L, 3L]);

    /// <summary>The logit of every patch, [N, 1, H/4, W/4] (rounded down), for images [N,3,H,W] in [-1, 1].</summary>
    public override Tensor PatchLogits(Tensor x, Tensor? condition)
    {
        CheckCondition(x, condition);
        return net.forward(condition is null ? x : cat([x, condition], 1));
    }
}
