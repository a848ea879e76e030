using System.Runtime.CompilerServices;
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

    /// <summary>Features [N,C,H,W] and depth [N,H,W] on any device (validated by the caller), one camera pair per item.</summary>
    public static SplatResult Warp(Tensor features, Tensor depth, Camera[] sources, Camera[] targets, SplatOptions o)
    {
        int n = (int)features.shape[0], c = (int)features.shape[1], h = (int)features.shape[2], w = (int)features.shape[3];
        int ht = targets[0].Height, wt = targets[0].Width;
        using var featureTensor = features.detach().contiguous();
        using var depthTensor = depth.detach().cpu().to_type(ScalarType.Float32).contiguous(); // depth may live elsewhere
        int points = h * w, pixels = ht * wt;
        var warped = zeros(n, c, ht, wt);
        var holes = zeros(n, ht, wt);
        var outDepth = zeros(n, ht, wt);
        // Per source pixel: landing point, target depth (0 = dropped) and depth weight.
        // Buffers come from the shared pool: a viewer warps a photo per frame, and fresh pages cost more than the work.
        var pool = System.Buffers.ArrayPool<float>.Shared;
        var (px, py, zs) = (pool.Rent(points), pool.Rent(points), pool.Rent(points));
        // Per target pixel: C weighted features, weight, weighted depth, coverage. A photo is accumulated in bands of
        // source rows, one accumulator each, summed at the end.
        var bands = points >= 1 << 16 ? Math.Clamp(Environment.ProcessorCount, 1, 4) : 1;
        var accLength = pixels * (c + 3);
        var accs = Enumerable.Range(0, bands).Select(_ => pool.Rent(accLength)).ToArray();
        for (int i = 0; i < n; i++)
        {
            Project(depthTensor, i, sources[i], targets[i], (float)o.MinDepth, px, py, zs);
            var (sMin, sMax) = InverseDepthRange(zs.AsSpan(0, points));
            var item = i;
            Parallel.For(0, bands, b =>
            {
                Array.Clear(accs[b], 0, accLength);
                Accumulate(Floats(featureTensor), item, c, points, (int)((long)points * b / bands), (int)((long)points * (b + 1) / bands),
                    px, py, zs, sMin, sMax, (float)o.Alpha, wt, ht, accs[b]);
            });
            Sum(accs, accLength);
            Resolve(accs[0], c, pixels, (float)o.MinCoverage, Floats(warped), Floats(holes), Floats(outDepth), i);
        }
        foreach (var buffer in accs.Concat([px, py, zs])) pool.Return(buffer);
        return new SplatResult(warped, holes, outDepth);
    }

    /// <summary>accs[0] += accs[1..], in parallel chunks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Sum(float[][] accs, int length)
    {
        if (accs.Length == 1) return;
        const int chunk = 1 << 16;
        Parallel.For(0, (length + chunk - 1) / chunk, j =>
        {
            var target = accs[0].AsSpan(j * chunk, Math.Min(chunk, length - j * chunk));
            for (int b = 1; b < accs.Length; b++)
            {
                var source = accs[b].AsSpan(j * chunk, target.Length);
                for (int k = 0; k < target.Length; k++) target[k] += source[k];
            }
        });
    }

    /// <summary>The storage of a contiguous float32 CPU tensor, without a copy.</summary>
    static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    static void Project(Tensor allDepth, int item, Camera source, Camera target, float minDepth, float[] px, float[] py, float[] zs)
    {
        var rel = source.RelativeTo(target);
        var r = new float[9];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) r[3 * a + b] = (float)rel.R[a, b];
        var m = new Motion(r, [(float)rel.T[0], (float)rel.T[1], (float)rel.T[2]],
            [(float)source.Fx, (float)source.Fy, (float)source.Cx, (float)source.Cy],
            [(float)target.Fx, (float)target.Fy, (float)target.Cx, (float)target.Cy], target.Width, target.Height, minDepth);
        int h = source.Height, w = source.Width;
        var bands = Math.Clamp(Environment.ProcessorCount, 1, 8);
        Parallel.For(0, bands, b => ProjectRows(m, Floats(allDepth).Slice(item * h * w, h * w), w, h * b / bands, h * (b + 1) / bands, px, py, zs));
    }

    /// <summary>Source-to-target rotation (row-major) and translation, source and target intrinsics (fx, fy, cx, cy), target size.</summary>
    sealed record Motion(float[] R, float[] T, float[] SourceK, float[] TargetK, int Width, int Height, float MinDepth);

    // The hot loops are compiled fully optimised at once: they run a handful of times, too few for tiered compilation.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ProjectRows(Motion m, ReadOnlySpan<float> depth, int w, int y0, int y1, float[] px, float[] py, float[] zs)
    {
        var r = m.R;
        float r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4], r5 = r[5], r6 = r[6], r7 = r[7], r8 = r[8];
        float t0 = m.T[0], t1 = m.T[1], t2 = m.T[2];
        float sfx = m.SourceK[0], sfy = m.SourceK[1], scx = m.SourceK[2], scy = m.SourceK[3];
        float tfx = m.TargetK[0], tfy = m.TargetK[1], tcx = m.TargetK[2], tcy = m.TargetK[3];
        float wt = m.Width, ht = m.Height, minDepth = m.MinDepth;
        var columns = new float[w]; // (u - cx) / fx, the same float operations as per pixel
        for (int x = 0; x < w; x++) columns[x] = (x + 0.5f - scx) / sfx;
        for (int y = y0; y < y1; y++)
        {
            float row = (y + 0.5f - scy) / sfy;
            for (int x = 0; x < w; x++)
            {
                int k = y * w + x;
                float d = depth[k];
                float sx = columns[x] * d, sy = row * d;
                float X = r0 * sx + r1 * sy + r2 * d + t0;
                float Y = r3 * sx + r4 * sy + r5 * d + t1;
                float Z = r6 * sx + r7 * sy + r8 * d + t2;
                zs[k] = 0;
                if (!(Z > minDepth)) continue;
                float fx = Snap(X / Z * tfx + tcx - 0.5f), fy = Snap(Y / Z * tfy + tcy - 0.5f);
                if (fx > -1 && fx < wt && fy > -1 && fy < ht) (px[k], py[k], zs[k]) = (fx, fy, Z);
            }
        }
    }

    static float Snap(float x)
    {
        var r = MathF.Round(x); // to even
        return MathF.Abs(x - r) < 1e-4f ? r : x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (float Min, float Max) InverseDepthRange(ReadOnlySpan<float> zs)
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Accumulate(ReadOnlySpan<float> feats, int item, int c, int points, int from, int to, float[] px, float[] py, float[] zs, float sMin, float sMax, float alpha, int wt, int ht, float[] acc)
    {
        int stride = c + 3;
        var range = MathF.Max(sMax - sMin, 1e-12f);
        fixed (float* f0 = feats.Slice(item * c * points, c * points), a0 = acc)
        {
            var values = stackalloc float[c];
            for (int k = from; k < to; k++)
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
