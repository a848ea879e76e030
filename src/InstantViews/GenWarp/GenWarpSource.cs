using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// What the semantic preserver and the global encoder make of a source image [N,3,H,W], once per source: the
/// global context, the reference tokens and the source coordinate embedding. Every view of that source reuses it.
/// </summary>
public sealed record GenWarpSource(Tensor Context, IReadOnlyList<Tensor> Reference, Tensor SourceEmbedding)
{
    public long Count => Context.shape[0];

    /// <summary>The condition of one view per source for warped target embeddings [N,11,H,W].</summary>
    public GenWarpCondition For(Tensor targetEmbedding) => new(targetEmbedding, Context, Reference) { SourceEmbedding = SourceEmbedding };

    /// <summary>A single source (N = 1) repeated for <paramref name="n"/> views.</summary>
    public GenWarpSource Repeat(long n) => n == Count ? this
        : new(Context.expand(n, -1, -1), Reference.Select(t => t.expand(n, -1, -1)).ToList(), SourceEmbedding.expand(n, -1, -1, -1));

    /// <summary>Keeps the tensors alive beyond the current dispose scope (a cached source).</summary>
    public GenWarpSource Detach() => new(Context.DetachFromDisposeScope(), Reference.Select(t => t.DetachFromDisposeScope()).ToList(), SourceEmbedding.DetachFromDisposeScope());
}
