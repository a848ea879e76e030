using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Geometry;

/// <summary>
/// Softmax forward splatting (Niklaus and Liu 2020, as used by GenWarp): every source pixel is unprojected
/// by its depth, moved into the target camera, projected, and added to the four target pixels around its
/// landing point with bilinear weights times a depth weight (nearer points dominate, <see cref="SplatOptions"/>);
/// each target pixel is the weighted mean of what landed on it. Features that need a gradient, or live on another device,
/// take the tensor form (one index_add; differentiable with respect to the features); on the CPU without gradients the
/// same arithmetic runs as loops (<see cref="SplatLoops"/>, ~10x faster for a photo).
/// </summary>
public static class ForwardSplat
{
    /// <summary>Warps features [C, H, W] with depth [H, W] from <paramref name="source"/> to <paramref name="target"/>.</summary>
    public static SplatResult Warp(Tensor features, Tensor depth, Camera source, Camera target, SplatOptions? options = null)
    {
        if (features.dim() != 3) throw new UserError($"features must be [C, H, W], got [{string.Join(", ", features.shape)}]");
        if (depth.dim() != 2 || depth.shape[0] != features.shape[1] || depth.shape[1] != features.shape[2])
            DepthValidation.Require(depth, (int)features.shape[1], (int)features.shape[2], "source");
        return Single(Warp(features.unsqueeze(0), depth.unsqueeze(0), [source], [target], options));
    }

    /// <summary>
    /// <see cref="Warp(Tensor, Tensor, Camera, Camera, SplatOptions?)"/> for a depth map [H, W] the caller has validated
    /// (<see cref="DepthValidation.Require"/>) and keeps unchanged, as a photo's views do on every frame: the cameras are
    /// checked, the depth is not read again. <paramref name="parallel"/> false keeps the work on the calling thread.
    /// </summary>
    internal static SplatResult WarpValidated(Tensor features, Tensor depth, Camera source, Camera target, bool parallel = true)
    {
        CameraChecks.Require(source, "source camera");
        CameraChecks.Require(target, "target camera");
        if (source.Width != features.shape[2] || source.Height != features.shape[1] || depth.shape[0] != features.shape[1] || depth.shape[1] != features.shape[2])
            throw new ArgumentException($"source camera {source.Width}x{source.Height}, features [{string.Join(", ", features.shape)}] and depth [{string.Join(", ", depth.shape)}] disagree");
        return Single(Run(features.unsqueeze(0), depth.unsqueeze(0), [source], [target], new SplatOptions(), parallel ? 0 : 1));
    }

    /// <summary>
    /// Batched: features [N, C, H, W], depth [N, H, W], one source and one target camera per item (or one of
    /// each for the whole batch). All targets must share one image size; the sources must match the features.
    /// </summary>
    public static SplatResult Warp(Tensor features, Tensor depth, IReadOnlyList<Camera> sources, IReadOnlyList<Camera> targets, SplatOptions? options = null)
    {
        var o = options ?? new SplatOptions();
        if (features.dim() != 4) throw new UserError($"batched features must be [N, C, H, W], got [{string.Join(", ", features.shape)}]");
        long n = features.shape[0], c = features.shape[1];
        int h = (int)features.shape[2], w = (int)features.shape[3];
        var src = Expand(sources, n, "source");
        var tgt = Expand(targets, n, "target");
        for (int i = 0; i < n; i++)
        {
            CameraChecks.Require(src[i], "source camera");
            CameraChecks.Require(tgt[i], "target camera");
            if (src[i].Width != w || src[i].Height != h)
                throw new UserError($"source camera is for {src[i].Width}x{src[i].Height} images, the features are {w}x{h}");
        }
        int ht = tgt[0].Height, wt = tgt[0].Width;
        if (tgt.Any(t => t.Width != wt || t.Height != ht)) throw new UserError("all target cameras of a batch must share one image size");
        DepthValidation.Require(depth, h, w, "source", n);
        return Run(features, depth, src, tgt, o);
    }

    /// <summary>The loops where they apply (<paramref name="threads"/>: 0 for every core), else the tensor form; inputs checked by the caller.</summary>
    static SplatResult Run(Tensor features, Tensor depth, Camera[] src, Camera[] tgt, SplatOptions o, int threads = 0) =>
        SplatLoops.Applies(features) ? SplatLoops.Warp(features, depth, src, tgt, o, threads) : TensorWarp(features, depth, src, tgt, o);

    /// <summary>The one item of a batch of one, unbatched.</summary>
    static SplatResult Single(SplatResult r) => new(r.Warped.squeeze(0), r.HoleMask.squeeze(0), r.Depth.squeeze(0));

    /// <summary>The tensor form (any device, differentiable with respect to the features).</summary>
    internal static SplatResult TensorWarp(Tensor features, Tensor depth, Camera[] src, Camera[] tgt, SplatOptions o)
    {
        long n = features.shape[0], c = features.shape[1];
        int h = (int)features.shape[2], w = (int)features.shape[3];
        int ht = tgt[0].Height, wt = tgt[0].Width;
        using var scope = NewDisposeScope();
        var dev = features.device;
        var (sk, tk, rot, trans) = CameraTensors(src, tgt, dev);
        Tensor Col(Tensor k, int j) => k[.., j].view(n, 1, 1);

        // Unproject pixel centres (i + 0.5) at their depth: source camera coordinates [N, H*W, 3].
        var z = depth.to_type(ScalarType.Float32).to(dev);
        var u = (arange(w, ScalarType.Float32, dev) + 0.5f).view(1, 1, w);
        var v = (arange(h, ScalarType.Float32, dev) + 0.5f).view(1, h, 1);
        var points = stack([(u - Col(sk, 2)) / Col(sk, 0) * z, (v - Col(sk, 3)) / Col(sk, 1) * z, z], -1).view(n, h * w, 3);

        // Into the target camera: x_t = R x_s + t; drop what is behind it.
        var pt = matmul(points, rot.transpose(1, 2)) + trans.view(n, 1, 3);
        var zt = pt[.., .., 2];
        var valid = zt.gt(o.MinDepth);
        var zs = where(valid, zt, ones_like(zt));
        // Continuous target pixel coordinates with pixel centres at integers; snap float noise so an exact hit stays exact.
        var px = Snap(pt[.., .., 0] / zs * tk[.., 0].view(n, 1) + tk[.., 2].view(n, 1) - 0.5f);
        var py = Snap(pt[.., .., 1] / zs * tk[.., 1].view(n, 1) + tk[.., 3].view(n, 1) - 0.5f);
        valid = valid & px.gt(-1) & px.lt(wt) & py.gt(-1) & py.lt(ht);
        px = where(valid, px, zeros_like(px));
        py = where(valid, py, zeros_like(py));

        // Depth weight exp(alpha * (s - 1)), s = inverse depth min-max normalised over each image's visible points.
        var inv = where(valid, 1 / zs, zeros_like(zs));
        var sMin = where(valid, inv, full_like(inv, float.MaxValue)).amin([1L], keepdim: true);
        var sMax = where(valid, inv, full_like(inv, float.MinValue)).amax([1L], keepdim: true);
        var s = ((inv - sMin) / (sMax - sMin).clamp_min(1e-12)).clamp(0, 1);
        var depthWeight = (o.Alpha * (s - 1)).exp() * valid.to_type(ScalarType.Float32);

        var x0 = px.floor();
        var y0 = py.floor();
        var ax = px - x0;
        var ay = py - y0;
        var feats = features.permute(0, 2, 3, 1).reshape(n, h * w, c);
        var offset = (arange(n, ScalarType.Int64, dev) * (ht * wt)).view(n, 1);
        var indices = new List<Tensor>(4);
        var values = new List<Tensor>(4);
        foreach (var (dx, dy) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
        {
            var xi = x0 + dx;
            var yi = y0 + dy;
            var bilinear = (dx == 0 ? 1 - ax : ax) * (dy == 0 ? 1 - ay : ay)
                * (xi.ge(0) & xi.lt(wt) & yi.ge(0) & yi.lt(ht) & valid).to_type(ScalarType.Float32);
            var weight = bilinear * depthWeight;
            indices.Add((yi.clamp(0, ht - 1) * wt + xi.clamp(0, wt - 1)).to_type(ScalarType.Int64) + offset);
            // Columns: weighted features, weight, weighted depth, bilinear coverage; summed in one scatter.
            values.Add(cat([feats * weight.unsqueeze(-1), weight.unsqueeze(-1), (weight * zs).unsqueeze(-1), bilinear.unsqueeze(-1)], -1));
        }
        var acc = zeros(n * ht * wt, c + 3, dtype: feats.dtype, device: dev)
            .index_add(0, cat(indices, 1).view(-1), cat(values, 1).view(-1, c + 3), 1)
            .view(n, ht, wt, c + 3);
        var weightSum = acc[.., .., .., (int)c];
        var hole = acc[.., .., .., (int)c + 2].lt(o.MinCoverage);
        var keep = hole.logical_not().to_type(feats.dtype);
        var denom = where(hole, ones_like(weightSum), weightSum);
        var warped = (acc[.., .., .., ..(int)c] / denom.unsqueeze(-1) * keep.unsqueeze(-1)).permute(0, 3, 1, 2);
        var targetDepth = acc[.., .., .., (int)c + 1] / denom * keep;
        return new SplatResult(warped.contiguous().MoveToOuterDisposeScope(), hole.to_type(ScalarType.Float32).MoveToOuterDisposeScope(),
            targetDepth.MoveToOuterDisposeScope());
    }

    static Tensor Snap(Tensor x)
    {
        var r = x.round();
        return where((x - r).abs().lt(1e-4f), r, x);
    }

    static Camera[] Expand(IReadOnlyList<Camera> cams, long n, string what)
    {
        if (cams.Count == n) return [.. cams];
        if (cams.Count == 1) return Enumerable.Repeat(cams[0], (int)n).ToArray();
        throw new UserError($"{cams.Count} {what} cameras for a batch of {n}");
    }

    /// <summary>Intrinsics (fx, fy, cx, cy) of sources and targets [N, 4], and the source-to-target rotation [N, 3, 3] and translation [N, 3].</summary>
    static (Tensor SourceK, Tensor TargetK, Tensor R, Tensor T) CameraTensors(Camera[] src, Camera[] tgt, Device dev)
    {
        var n = src.Length;
        float[] sk = new float[4 * n], tk = new float[4 * n], rot = new float[9 * n], trans = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            var rel = src[i].RelativeTo(tgt[i]);
            double[] s = [src[i].Fx, src[i].Fy, src[i].Cx, src[i].Cy], t = [tgt[i].Fx, tgt[i].Fy, tgt[i].Cx, tgt[i].Cy];
            for (int j = 0; j < 4; j++) { sk[4 * i + j] = (float)s[j]; tk[4 * i + j] = (float)t[j]; }
            for (int r = 0; r < 3; r++)
            {
                for (int col = 0; col < 3; col++) rot[9 * i + 3 * r + col] = (float)rel.R[r, col];
                trans[3 * i + r] = (float)rel.T[r];
            }
        }
        return (tensor(sk, [n, 4]).to(dev), tensor(tk, [n, 4]).to(dev), tensor(rot, [n, 3, 3]).to(dev), tensor(trans, [n, 3]).to(dev));
    }
}
