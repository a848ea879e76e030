using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// The loss of built-in depth v2 (after MiDaS, Ranftl et al., TPAMI 2022), on a log-depth prediction and the true
/// depth [N, H, W] (the prediction is resized to the truth's size; pixels with depth &lt;= 0 or not finite are left out):
/// <list type="bullet">
/// <item>shift-and-scale-invariant: the true inverse depth t is normalised per image, t' = (t - median t) / mean|t - median t|;
/// the predicted inverse depth p = exp(-log depth) is aligned to t' by least squares (s p + b, s &gt;= 0, with a 1e-9 ridge on the variance of p); the loss is mean |s p + b - t'|;</item>
/// <item>gradient matching: the mean |d/dx R| + |d/dy R| of the aligned residual R = s p + b - t' at four scales (every 1st, 2nd, 4th, 8th pixel);</item>
/// <item>metric: <see cref="DepthLoss"/> on log depth (L1 plus the scale-invariant variance), so the network keeps metres.</item>
/// </list>
/// </summary>
public static class RelativeDepthLoss
{
    public sealed record Weights(double Gradient = 0.5, double Metric = 0.5, double ScaleInvariant = 0.5);

    public sealed record Terms(Tensor Total, Tensor Ssi, Tensor Gradient, Tensor Metric);

    public static Terms Compute(Tensor predLog, Tensor gtDepth, Weights w)
    {
        var (h, w2) = (gtDepth.shape[1], gtDepth.shape[2]);
        if (predLog.shape[1] != h || predLog.shape[2] != w2)
            predLog = nn.functional.interpolate(predLog.unsqueeze(1), [h, w2], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
        var known = gtDepth.gt(0).logical_and(gtDepth.isfinite());
        var valid = known.to_type(ScalarType.Float32);
        var n = valid.sum([1, 2]).clamp_min(1);
        var t = Normalised(where(known, gtDepth, 1).clamp_min(1e-3).reciprocal() * valid, valid);
        var p = (-predLog).exp() * valid;
        // Least squares per image, centred: s = cov(p, t) / (var p + lambda), b = mean t - s mean p. The small ridge keeps
        // a flat prediction (a fresh network's) from dividing by zero: it gets s = 0 and b = mean t. The scale is kept
        // non-negative: an inverse depth that orders the scene backwards must not fit as well as the right one.
        var pm = p.sum([1, 2]) / n;
        var tm = (t * valid).sum([1, 2]) / n;
        var pc = (p - pm.view(-1, 1, 1)) * valid;
        var tc = (t - tm.view(-1, 1, 1)) * valid;
        var s = (pc * tc).sum([1, 2]).clamp_min(0) / ((pc * pc).sum([1, 2]) + 1e-9 * n);
        var b = tm - s * pm;
        var residual = (s.view(-1, 1, 1) * p + b.view(-1, 1, 1) - t) * valid;
        var ssi = (residual.abs().sum([1, 2]) / n).mean();
        var gradient = Gradient(residual, valid);
        var metric = DepthLoss.Compute(predLog, gtDepth, w.ScaleInvariant);
        return new Terms(ssi + w.Gradient * gradient + w.Metric * metric, ssi, gradient, metric);
    }

    /// <summary>(t - median) / mean |t - median| over the valid pixels of each image (0 elsewhere).</summary>
    public static Tensor Normalised(Tensor t, Tensor valid)
    {
        var rows = new Tensor[t.shape[0]];
        for (int i = 0; i < rows.Length; i++)
        {
            var v = t[i].masked_select(valid[i].gt(0));
            if (v.numel() == 0)
            {
                rows[i] = zeros_like(t[i]);
                continue;
            }
            var median = v.median();
            var scale = (v - median).abs().mean().clamp_min(1e-6);
            rows[i] = (t[i] - median) / scale * valid[i];
        }
        return stack(rows);
    }

    /// <summary>Mean |dR/dx| + |dR/dy| over pixel pairs that are both valid, summed over four scales.</summary>
    public static Tensor Gradient(Tensor residual, Tensor valid)
    {
        Tensor total = zeros(1, device: residual.device);
        for (int k = 0; k < 4; k++)
        {
            var step = 1 << k;
            var r = residual[.., TensorIndex.Slice(null, null, step), TensorIndex.Slice(null, null, step)];
            var m = valid[.., TensorIndex.Slice(null, null, step), TensorIndex.Slice(null, null, step)];
            if (r.shape[1] < 2 || r.shape[2] < 2) break;
            var mx = m[.., .., 1..] * m[.., .., ..^1];
            var my = m[.., 1.., ..] * m[.., ..^1, ..];
            var gx = (r[.., .., 1..] - r[.., .., ..^1]).abs() * mx;
            var gy = (r[.., 1.., ..] - r[.., ..^1, ..]).abs() * my;
            total = total + (gx.sum() + gy.sum()) / (mx.sum() + my.sum()).clamp_min(1);
        }
        return total.squeeze();
    }
}
