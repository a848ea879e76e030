using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace InstantViews.Geometry;

/// <summary>
/// <see cref="ForwardSplat"/> without gradients on the CPU: the same arithmetic as its tensor form, written as loops
/// over the source pixels. The tensor form materialises a [4·H·W, C+3] scatter and about thirty [H·W] temporaries, which
/// costs ~0.2 s for a 1024x683 photo; here the pixels are projected in parallel rows and accumulated in one pass.
/// Results equal the tensor form to float rounding (tested).
/// </summary>
static class SplatLoops
{
    /// <summary>Whether this path applies: float32 features on the CPU that need no gradient.</summary>
    public static bool Applies(Tensor features) =>
        features.device_type == TorchSharp.DeviceType.CPU && features.dtype == ScalarType.Float32 && !(features.requires_grad && is_grad_enabled());

    /// <summary>Features [N,C,H,W] and depth [N,H,W] (validated by the caller), one camera pair per item.</summary>
    public static SplatResult Warp(Tensor features, Tensor depth, Camera[] sources, Camera[] targets, SplatOptions o)
    {
        int n = (int)features.shape[0], c = (int)features.shape[1], h = (int)features.shape[2], w = (int)features.shape[3];
        int ht = targets[0].Height, wt = targets[0].Width;
        using var featureTensor = features.detach().contiguous();
        using var depthTensor = depth.detach().to_type(ScalarType.Float32).contiguous();
        int points = h * w, pixels = ht * wt;
        var warped = zeros(n, c, ht, wt);
        var holes = zeros(n, ht, wt);
        var outDepth = zeros(n, ht, wt);
        // Per source pixel: landing point, target depth (0 = dropped) and depth weight.
        var px = new float[points];
        var py = new float[points];
        var zs = new float[points];
        var acc = new float[pixels * (c + 3)]; // per target pixel: C weighted features, weight, weighted depth, coverage
        for (int i = 0; i < n; i++)
        {
            Project(Floats(depthTensor), i, sources[i], targets[i], (float)o.MinDepth, px, py, zs);
            var (sMin, sMax) = InverseDepthRange(zs);
            Array.Clear(acc);
            Accumulate(Floats(featureTensor), i, c, px, py, zs, sMin, sMax, (float)o.Alpha, wt, ht, acc);
            Resolve(acc, c, pixels, (float)o.MinCoverage, Floats(warped), Floats(holes), Floats(outDepth), i);
        }
        return new SplatResult(warped, holes, outDepth);
    }

    /// <summary>The storage of a contiguous float32 CPU tensor, without a copy.</summary>
    static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    static void Project(ReadOnlySpan<float> allDepth, int item, Camera source, Camera target, float minDepth, float[] px, float[] py, float[] zs)
    {
        var rel = source.RelativeTo(target);
        float sfx = (float)source.Fx, sfy = (float)source.Fy, scx = (float)source.Cx, scy = (float)source.Cy;
        float tfx = (float)target.Fx, tfy = (float)target.Fy, tcx = (float)target.Cx, tcy = (float)target.Cy;
        var r = new float[9];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) r[3 * a + b] = (float)rel.R[a, b];
        float t0 = (float)rel.T[0], t1 = (float)rel.T[1], t2 = (float)rel.T[2];
        int h = source.Height, w = source.Width, wt = target.Width, ht = target.Height;
        var depth = allDepth.Slice(item * h * w, h * w).ToArray();
        Parallel.For(0, h, y =>
        {
            float v = y + 0.5f;
            for (int x = 0; x < w; x++)
            {
                float d = depth[y * w + x];
                float sx = (x + 0.5f - scx) / sfx * d, sy = (v - scy) / sfy * d;
                float X = r[0] * sx + r[1] * sy + r[2] * d + t0;
                float Y = r[3] * sx + r[4] * sy + r[5] * d + t1;
                float Z = r[6] * sx + r[7] * sy + r[8] * d + t2;
                int k = y * w + x;
                if (!(Z > minDepth)) { zs[k] = 0; continue; }
                float fx = Snap(X / Z * tfx + tcx - 0.5f), fy = Snap(Y / Z * tfy + tcy - 0.5f);
                if (fx > -1 && fx < wt && fy > -1 && fy < ht) (px[k], py[k], zs[k]) = (fx, fy, Z);
                else zs[k] = 0;
            }
        });
    }

    static float Snap(float x)
    {
        var r = MathF.Round(x, MidpointRounding.ToEven);
        return MathF.Abs(x - r) < 1e-4f ? r : x;
    }

    static (float Min, float Max) InverseDepthRange(float[] zs)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (var d in zs)
        {
            if (d == 0) continue;
            var inv = 1 / d;
            if (inv < min) min = inv;
            if (inv > max) max = inv;
        }
        return (min, max);
    }

    static unsafe void Accumulate(ReadOnlySpan<float> feats, int item, int c, float[] px, float[] py, float[] zs, float sMin, float sMax, float alpha, int wt, int ht, float[] acc)
    {
        int points = px.Length, stride = c + 3;
        var range = MathF.Max(sMax - sMin, 1e-12f);
        fixed (float* f0 = feats.Slice(item * c * points, c * points), a0 = acc)
        {
            var values = stackalloc float[c];
            for (int k = 0; k < points; k++)
            {
                var d = zs[k];
                if (d == 0) continue;
                var s = Math.Clamp((1 / d - sMin) / range, 0f, 1f);
                var depthWeight = MathF.Exp(alpha * (s - 1));
                for (int ch = 0; ch < c; ch++) values[ch] = f0[ch * points + k];
                float x0 = MathF.Floor(px[k]), y0 = MathF.Floor(py[k]);
                float ax = px[k] - x0, ay = py[k] - y0;
                int xi = (int)x0, yi = (int)y0;
                // The four corners (x0, y0), (x0+1, y0), (x0, y0+1), (x0+1, y0+1), each only inside the target.
                bool left = xi >= 0, right = xi + 1 < wt, top = yi >= 0, bottom = yi + 1 < ht;
                if (top && left) Add(a0 + (yi * wt + xi) * stride, (1 - ax) * (1 - ay));
                if (top && right) Add(a0 + (yi * wt + xi + 1) * stride, ax * (1 - ay));
                if (bottom && left) Add(a0 + ((yi + 1) * wt + xi) * stride, (1 - ax) * ay);
                if (bottom && right) Add(a0 + ((yi + 1) * wt + xi + 1) * stride, ax * ay);

                void Add(float* a, float bilinear)
                {
                    var weight = bilinear * depthWeight;
                    for (int ch = 0; ch < c; ch++) a[ch] += values[ch] * weight;
                    a[c] += weight;
                    a[c + 1] += weight * d;
                    a[c + 2] += bilinear;
                }
            }
        }
    }

    static void Resolve(float[] acc, int c, int pixels, float minCoverage, Span<float> warped, Span<float> holes, Span<float> depth, int item)
    {
        var outF = warped.Slice(item * c * pixels, c * pixels);
        var outHole = holes.Slice(item * pixels, pixels);
        var outDepth = depth.Slice(item * pixels, pixels);
        int stride = c + 3;
        for (int p = 0; p < pixels; p++)
        {
            var a = p * stride;
            if (acc[a + c + 2] < minCoverage) { outHole[p] = 1; continue; }
            var weight = acc[a + c];
            for (int ch = 0; ch < c; ch++) outF[ch * pixels + p] = acc[a + ch] / weight;
            outDepth[p] = acc[a + c + 1] / weight;
        }
    }
}
