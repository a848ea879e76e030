using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>
/// A discriminator of the GAN stages (<see cref="GanTrainingRun"/>): a logit per image, optionally judged together with
/// a condition image of the same size (one-step GenWarp: the forward-warped source).
/// </summary>
public abstract class GanDiscriminator(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Whether <see cref="Logits"/> needs a condition image.</summary>
    public abstract bool Conditioned { get; }

    /// <summary>
    /// Logits [N] for images [N,3,H,W] in [-1, 1]; <paramref name="condition"/> [N,3,H,W] is required by a conditioned
    /// discriminator and refused by an unconditioned one.
    /// </summary>
    public abstract Tensor Logits(Tensor x, Tensor? condition);

    /// <summary>Whether it judges each patch of an image (<see cref="PatchLogits"/>), as a hole-aware adversarial loss needs.</summary>
    public virtual bool JudgesPatches => false;

    /// <summary>The logit of every patch [N,1,h,w] of images [N,3,H,W], by a discriminator that <see cref="JudgesPatches"/>.</summary>
    public virtual Tensor PatchLogits(Tensor x, Tensor? condition) =>
        throw new NotSupportedException($"{GetName()} judges whole images, not patches");

    /// <summary>Logits [N] of an unconditioned discriminator.</summary>
    public override Tensor forward(Tensor x) => Logits(x, null);

    /// <summary>Refuses a condition that this discriminator does not take, a missing one, or one of another shape.</summary>
    protected void CheckCondition(Tensor x, Tensor? condition)
    {
        if (Conditioned != condition is not null)
            throw new ArgumentException(Conditioned ? "this discriminator is conditioned: give the condition image" : "this discriminator is not conditioned");
        if (condition is not null && !condition.shape.SequenceEqual(x.shape))
            throw new ArgumentException($"condition shape [{string.Join(",", condition.shape)}] differs from the image's [{string.Join(",", x.shape)}]");
    }
}
