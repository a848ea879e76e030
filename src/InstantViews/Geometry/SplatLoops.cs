using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace InstantViews.Geometry;

/// <summary>
/// <see cref="ForwardSplat"/> without gradients on the CPU: the same arithmetic as its tensor form, written as loops
/// over the source pixels. The tensor form materialises a [4·H·W, C+3] scatter and about thirty [H·W] temporaries, which
/// costs ~0.2 s for a 1024x683 photo; here the pixels are projected in parallel rows and accumulated in one pass, in
/// parallel bands of target rows.
/// Results equal the tensor form to float rounding (tested).
/// </summary>
static class SplatLoops
{
    /// <summary>Whether this path applies: float32 features on the CPU that need no gradient.</summary>
    public static bool Applies(Tensor features) =>
        features.device_type == TorchSharp.DeviceType.CPU && features.dtype == ScalarType.Float32 && !(features.requires_grad && is_grad_enabled());

    /// <summary>Features [N,C,H,W] and depth [N,H,W] on any device (validated by the caller), one camera pair per item;
    /// <paramref name="threads"/> (default: one per core) bounds the parallel parts.</summary>
    public static SplatResult Warp(Tensor features, Tensor depth, Camera[] sources, Camera[] targets, SplatOptions o, int threads = 0)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        int n = (int)features.shape[0], c = (int)features.shape[1], h = (int)features.shape[2], w = (int)features.shape[3];
        int ht = targets[0].Height, wt = targets[0].Width;
        using var featureTensor = features.detach().contiguous();
        using var depthTensor = depth.detach().cpu().to_type(ScalarType.Float32).contiguous(); // depth may live elsewhere
        int points = h * w, pixels = ht * wt;
        // Every output value is written below (holes as zeros).
        var warped = empty(n, c, ht, wt);
        var holes = empty(n, ht, wt);
        var outDepth = empty(n, ht, wt);
        // Per source pixel: landing point, target depth (0 = dropped) and depth weight.
        // Buffers come from the shared pool: a viewer warps a photo per frame, and fresh pages cost more than the work.
        var pool = System.Buffers.ArrayPool<float>.Shared;
        var (px, py, zs, weights) = (pool.Rent(points), pool.Rent(points), pool.Rent(points), pool.Rent(points));
        // Per target pixel: C weighted features, weight, weighted depth, coverage, in one accumulator. A photo is
        // accumulated in bands of target rows, one thread each: every band reads all the landing points and adds only
        // into its own rows, so no pixel is written by two threads and each pixel sums its points in source order.
        var bands = points >= 1 << 16 ? Math.Clamp(threads, 1, 4) : 1;
        var accLength = pixels * (c + 3);
        var acc = pool.Rent(accLength);
        for (int i = 0; i < n; i++)
        {
            Project(depthTensor, i, sources[i], targets[i], (float)o.MinDepth, px, py, zs, threads);
            var (sMin, sMax) = InverseDepthRange(zs.AsSpan(0, points));
            Parallel.For(0, bands, b => DepthWeights(zs, weights, points * b / bands, points * (b + 1) / bands, sMin, sMax, (float)o.Alpha));
            var item = i;
            Parallel.For(0, bands, b =>
            {
                int r0 = ht * b / bands, r1 = ht * (b + 1) / bands;
                Array.Clear(acc, r0 * wt * (c + 3), (r1 - r0) * wt * (c + 3));
                Accumulate(Floats(featureTensor), item, c, points, px, py, zs, weights, wt, r0, r1, acc);
                Resolve(acc, c, pixels, r0 * wt, r1 * wt, (float)o.MinCoverage, Floats(warped), Floats(holes), Floats(outDepth), item);
            });
        }
        foreach (var buffer in new[] { acc, px, py, zs, weights }) pool.Return(buffer);
        return new SplatResult(warped, holes, outDepth);
    }

    /// <summary>The storage of a contiguous float32 CPU tensor, without a copy.</summary>
    static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    static void Project(Tensor allDepth, int item, Camera source, Camera target, float minDepth, float[] px, float[] py, float[] zs, int threads)
    {
        var rel = source.RelativeTo(target);
        var r = new float[9];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) r[3 * a + b] = (float)rel.R[a, b];
        var m = new Motion(r, [(float)rel.T[0], (float)rel.T[1], (float)rel.T[2]],
            [(float)source.Fx, (float)source.Fy, (float)source.Cx, (float)source.Cy],
            [(float)target.Fx, (float)target.Fy, (float)target.Cx, (float)target.Cy], target.Width, target.Height, minDepth);
        int h = source.Height, w = source.Width;
        var bands = Math.Clamp(threads, 1, 8);
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

    /// <summary>
    /// Depth weights of points [from, to): exp(alpha (s - 1)), s = the inverse depth min-max normalised over the visible
    /// points and clamped to [0, 1] (vectorised; dropped points, depth 0, get a weight that is never read).
    /// </summary>
    static void DepthWeights(float[] zs, float[] weights, int from, int to, float sMin, float sMax, float alpha)
    {
        var range = MathF.Max(sMax - sMin, 1e-12f);
        var w = weights.AsSpan(from, to - from);
        TensorPrimitives.Reciprocal(zs.AsSpan(from, to - from), w);
        TensorPrimitives.Subtract(w, sMin, w);
        TensorPrimitives.Divide(w, range, w);
        TensorPrimitives.Max(w, 0f, w);
        TensorPrimitives.Min(w, 1f, w);
        TensorPrimitives.Subtract(w, 1f, w);
        TensorPrimitives.Multiply(w, alpha, w);
        TensorPrimitives.Exp(w, w);
    }

    /// <summary>Adds every landing point's four corners that fall in target rows [<paramref name="r0"/>, <paramref name="r1"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Accumulate(ReadOnlySpan<float> feats, int item, int c, int points, float[] px, float[] py, float[] zs, float[] weights, int wt, int r0, int r1, float[] acc)
    {
        int stride = c + 3;
        fixed (float* f0 = feats.Slice(item * c * points, c * points), a0 = acc)
        {
            var values = stackalloc float[c];
            for (int k = 0; k < points; k++)
            {
                var d = zs[k];
                if (d == 0) continue;
                float y0 = MathF.Floor(py[k]);
                int yi = (int)y0;
                // The corner rows y0 and y0+1, each only inside the target and this band.
                bool top = yi >= r0 && yi < r1, bottom = yi + 1 >= r0 && yi + 1 < r1;
                if (!top && !bottom) continue;
                var depthWeight = weights[k];
                for (int ch = 0; ch < c; ch++) values[ch] = f0[ch * points + k];
                float x0 = MathF.Floor(px[k]);
                float ax = px[k] - x0, ay = py[k] - y0;
                int xi = (int)x0;
                // The four corners (x0, y0), (x0+1, y0), (x0, y0+1), (x0+1, y0+1), each only inside the target.
                bool left = xi >= 0, right = xi + 1 < wt;
                if (top && left) Add(a0 + (yi * wt + xi) * stride, (1 - ax) * (1 - ay), depthWeight, values, c, d);
                if (top && right) Add(a0 + (yi * wt + xi + 1) * stride, ax * (1 - ay), depthWeight, values, c, d);
                if (bottom && left) Add(a0 + ((yi + 1) * wt + xi) * stride, (1 - ax) * ay, depthWeight, values, c, d);
                if (bottom && right) Add(a0 + ((yi + 1) * wt + xi + 1) * stride, ax * ay, depthWeight, values, c, d);
            }
        }
    }

    /// <summary>One corner's share: C weighted features, the weight, the weighted depth and the bilinear coverage (three
    /// channels, a photo, unrolled: the same arithmetic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Add(float* a, float bilinear, float depthWeight, float* values, int c, float d)
    {
        var weight = bilinear * depthWeight;
        if (c == 3)
        {
            a[0] += values[0] * weight;
            a[1] += values[1] * weight;
            a[2] += values[2] * weight;
        }
        else
            for (int ch = 0; ch < c; ch++) a[ch] += values[ch] * weight;
        a[c] += weight;
        a[c + 1] += weight * d;
        a[c + 2] += bilinear;
    }

    /// <summary>Target pixels [<paramref name="from"/>, <paramref name="to"/>) of one item: each pixel's weighted mean, or a hole.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Resolve(float[] acc, int c, int pixels, int from, int to, float minCoverage, Span<float> warped, Span<float> holes, Span<float> depth, int item)
    {
        var outF = warped.Slice(item * c * pixels, c * pixels);
        var outHole = holes.Slice(item * pixels, pixels);
        var outDepth = depth.Slice(item * pixels, pixels);
        int stride = c + 3;
        for (int p = from; p < to; p++)
        {
            var a = p * stride;
            if (acc[a + c + 2] < minCoverage)
            {
                outHole[p] = 1;
                for (int ch = 0; ch < c; ch++) outF[ch * pixels + p] = 0;
                outDepth[p] = 0;
                continue;
            }
            outHole[p] = 0;
            var weight = acc[a + c];
            for (int ch = 0; ch < c; ch++) outF[ch * pixels + p] = acc[a + ch] / weight;
            outDepth[p] = acc[a + c + 1] / weight;
        }
    }
}
