using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// What conditions the denoising U-Net: warped coordinates always; context and reference tokens unless dropped.
/// <see cref="SourceEmbedding"/> [N, 11, H, W] gives the reference tokens' coordinates to coordinate attention.
/// </summary>
public sealed record GenWarpCondition(Tensor TargetEmbedding, Tensor? Context, IReadOnlyList<Tensor>? Reference)
{
    public Tensor? SourceEmbedding { get; init; }

    /// <summary>The unconditional branch of guidance: drops the global embedding and the reference tokens, keeps the coordinates.</summary>
    public GenWarpCondition Unconditional() => this with { Context = null, Reference = null };
}
