using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// One batch of novel-view inputs, everything in the target view's pixel grid: source RGB [N,3,H,W] in [-1, 1],
/// the warped target coordinate embedding [N,11,H,W], the forward-splatted RGB [N,3,H,W] (display and the
/// baseline) and its hole mask [N,1,H,W]; the target RGB when known (training, evaluation); the warp's depth [N,H,W]
/// (0 in holes) when built by <see cref="Build"/> (the far-side composition reads it).
/// </summary>
public sealed record NovelViewBatch(Tensor Source, Tensor TargetEmbedding, Tensor WarpedRgb, Tensor HoleMask, Tensor? Target = null, Tensor? WarpedDepth = null)
{
    public long Count => Source.shape[0];

    /// <summary>Warps coordinates and colours of sources [N,3,H,W] with depth [N,H,W] into the target cameras.</summary>
    public static NovelViewBatch Build(Tensor source, Tensor depth, IReadOnlyList<Camera> sources, IReadOnlyList<Camera> targets,
        Tensor? target = null, SplatOptions? options = null)
    {
        // One splat of [coordinate grid (10) ; RGB (3)]: softmax splatting weights every channel alike.
        var n = source.shape[0];
        var grid = CoordinateEmbedding.Grid((int)source.shape[2], (int)source.shape[3], source.device).unsqueeze(0).expand(n, -1, -1, -1);
        using var splat = ForwardSplat.Warp(cat([grid, source], 1), depth, sources, targets, options);
        var holes = splat.HoleMask.unsqueeze(1);
        var embedding = cat([splat.Warped[.., ..CoordinateEmbedding.BaseChannels], holes], 1);
        return new NovelViewBatch(source, embedding, splat.Warped[.., CoordinateEmbedding.BaseChannels..].clone(), holes.clone(), target, splat.Depth.clone());
    }

    Tensor?[] Tensors => [Source, TargetEmbedding, WarpedRgb, HoleMask, Target, WarpedDepth];

    /// <summary>The batch's tensors moved to the dispose scope outside the current one (this batch).</summary>
    public NovelViewBatch MoveToOuterDisposeScope()
    {
        foreach (var t in Tensors) t?.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>The batch's tensors taken out of every dispose scope (kept for a run, e.g. its sample grid).</summary>
    public NovelViewBatch DetachFromDisposeScope()
    {
        foreach (var t in Tensors) t?.DetachFromDisposeScope();
        return this;
    }

    public NovelViewBatch To(Device device) =>
        new(Source.to(device), TargetEmbedding.to(device), WarpedRgb.to(device), HoleMask.to(device), Target?.to(device), WarpedDepth?.to(device));
}
