using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// Classical fills of an image's holes, the baselines a user would pick for the holes of a warp: the nearest known
/// pixel, and the harmonic (Laplace) fill, the smoothest surface that meets the hole's border (the membrane that
/// diffusion-based inpainting such as Navier-Stokes and Telea approximates). Images are [C, H, W], holes [H, W] with
/// 1 where a pixel is unknown.
/// </summary>
public static class HoleFill
{
    static readonly (int, int)[] Neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)];

    /// <summary>Each hole pixel takes the value of the nearest known pixel (breadth-first over 4 neighbours: city-block distance, ties to the first reached).</summary>
    public static Tensor Nearest(Tensor image, Tensor holes)
    {
        Check(image, holes);
        var (c, h, w) = ((int)image.shape[0], (int)image.shape[1], (int)image.shape[2]);
        var hole = holes.to_type(ScalarType.Bool).cpu().contiguous().data<bool>().ToArray();
        var source = new int[h * w];
        var queue = new Queue<int>();
        for (int i = 0; i < h * w; i++)
        {
            source[i] = hole[i] ? -1 : i;
            if (!hole[i]) queue.Enqueue(i);
        }
        if (queue.Count == 0) throw new ArgumentException("the image has no known pixel to fill its holes from");
        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            int y = p / w, x = p % w;
            foreach (var (dy, dx) in Neighbours)
            {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                var q = yy * w + xx;
                if (source[q] >= 0) continue;
                source[q] = source[p];
                queue.Enqueue(q);
            }
        }
        using var scope = NewDisposeScope();
        var flat = image.cpu().to_type(ScalarType.Float32).reshape(c, h * w);
        var filled = flat.index_select(1, tensor(source.Select(i => (long)i).ToArray())).reshape(c, h, w);
        return filled.to(image.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The harmonic fill: inside the holes the discrete Laplace equation (every hole pixel the mean of its four
    /// neighbours), known pixels fixed, the image border reflecting. Solved coarse to fine: the holes of a half-size
    /// copy (known pixels averaged) are filled first and upsampled as the start, then <paramref name="iterations"/>
    /// Jacobi sweeps at each size, so a wide hole converges in as many sweeps as a narrow one. A sweep reads and writes
    /// the hole pixels alone, so it costs what the holes cost, not what the image does. A hole is a mask value above 0.5.
    /// <para><paramref name="blocked"/> ([H,W], true or above 0.5; hole pixels ignore it) marks known pixels that give no
    /// boundary value: they keep their values and the fill treats them as a reflecting wall (a hole pixel is the mean of
    /// its neighbours that are not blocked), so a hole between an occluder and what lies behind it is filled from the far
    /// side alone (<see cref="NovelViews.ViewComposition.Occluders"/>). The wall is kept at every size of the coarse-to-fine
    /// solve. A hole region (4-connected) that blocked pixels close in on every side (at that size) is filled as without them.</para>
    /// </summary>
    public static Tensor Harmonic(Tensor image, Tensor holes, int iterations = 60, Tensor? blocked = null)
    {
        Check(image, holes);
        if (blocked is not null && (blocked.dim() != 2 || blocked.shape[0] != holes.shape[0] || blocked.shape[1] != holes.shape[1]))
            throw new ArgumentException($"blocked must be [{holes.shape[0]}, {holes.shape[1]}], got [{string.Join(", ", blocked.shape)}]");
        if (iterations < 1) throw new ArgumentException($"iterations must be positive, got {iterations}");
        using var scope = NewDisposeScope();
        var x = image.to_type(ScalarType.Float32);
        var m = holes.to(x.device).to_type(ScalarType.Float32);
        if (m.sum().item<float>() == 0) return x.clone().MoveToOuterDisposeScope();
        if (m.min().item<float>() > 0) throw new ArgumentException("the image has no known pixel to fill its holes from");
        var (c, h, w) = ((int)x.shape[0], (int)x.shape[1], (int)x.shape[2]);
        var pixels = x.contiguous().cpu().data<float>().ToArray();
        var unknown = m.gt(0.5f).flatten().cpu().data<bool>().ToArray();
        var wall = blocked?.to_type(ScalarType.Float32).gt(0.5f).flatten().cpu().data<bool>().ToArray();
        if (wall is not null)
        {
            for (int k = 0; k < wall.Length; k++) wall[k] &= !unknown[k];
            if (!wall.Where((b, k) => !b && !unknown[k]).Any()) throw new ArgumentException("every known pixel is blocked: the holes have no boundary value to fill from");
        }
        var filled = Solve(pixels, unknown, wall, c, h, w, iterations);
        return tensor(filled, [c, h, w]).to(x.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Takes the wall away from every hole region (4-connected) that it closes in completely, so that each region has a
    /// known, unblocked pixel beside it to take its values from: such a region (a crack between two blocked pixels) is
    /// filled as without walls.
    /// </summary>
    static void Unwall(bool[] holes, bool[] blocked, int h, int w)
    {
        var reached = new bool[h * w];
        var members = new List<int>();
        var queue = new Queue<int>();
        for (int start = 0; start < h * w; start++)
        {
            if (!holes[start] || reached[start]) continue;
            members.Clear();
            var open = false;
            reached[start] = true;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var p = queue.Dequeue();
                members.Add(p);
                int y = p / w, x = p % w;
                foreach (var (dy, dx) in Neighbours)
                {
                    int yy = y + dy, xx = x + dx;
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                    var q = yy * w + xx;
                    if (holes[q])
                    {
                        if (!reached[q]) { reached[q] = true; queue.Enqueue(q); }
                    }
                    else open |= !blocked[q];
                }
            }
            if (!open)
                foreach (var p in members)
                {
                    int y = p / w, x = p % w;
                    foreach (var (dy, dx) in Neighbours)
                    {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w) blocked[yy * w + xx] = false;
                    }
                }
        }
    }

    /// <summary>
    /// The coarse-to-fine solve on plain arrays ([C,H,W] values, [H,W] holes): the arithmetic of the tensor form
    /// (2x2 means of the known pixels as average pooling computes them, nearest upsampling, Jacobi sweeps), in loops,
    /// because at every size but the finest a tensor call costs more than the work it does.
    /// </summary>
    static float[] Solve(float[] image, bool[] holes, bool[]? blocked, int channels, int h, int w, int iterations)
    {
        // At every size, no hole region is closed in by the wall alone (the coarser walls are thicker).
        if (blocked is not null) Unwall(holes, blocked, h, w);
        var plane = h * w;
        var start = new float[channels * plane];
        if (h >= 8 && w >= 8)
        {
            // Half size, the last row and column repeated when odd: each 2x2 block is the mean of its known pixels (as
            // avg_pool2d of image x known over avg_pool2d of known), a hole where it has none. A block holding a blocked
            // pixel is blocked, so the wall is there at every size (a pixel thicker at most) and the coarse start, too,
            // comes from the unblocked side.
            var (hh, hw) = ((h + 1) / 2, (w + 1) / 2);
            var coarse = new float[channels * hh * hw];
            var coarseHoles = new bool[hh * hw];
            var coarseBlocked = blocked is null ? null : new bool[hh * hw];
            var anyHole = false;
            for (int i = 0; i < hh; i++)
                for (int j = 0; j < hw; j++)
                {
                    int r0 = 2 * i, r1 = Math.Min(2 * i + 1, h - 1), c0 = 2 * j, c1 = Math.Min(2 * j + 1, w - 1);
                    int a = r0 * w + c0, b = r0 * w + c1, d = r1 * w + c0, e = r1 * w + c1;
                    float K(int k) => holes[k] ? 0f : 1f;
                    var count = (0f + K(a) + K(b) + K(d) + K(e)) / 4;
                    var block = i * hw + j;
                    coarseHoles[block] = count <= 0;
                    anyHole |= count <= 0;
                    if (coarseBlocked is not null) coarseBlocked[block] = blocked![a] || blocked[b] || blocked[d] || blocked[e];
                    for (int ch = 0; ch < channels; ch++)
                    {
                        var o = ch * plane;
                        var sum = (0f + image[o + a] * K(a) + image[o + b] * K(b) + image[o + d] * K(d) + image[o + e] * K(e)) / 4;
                        coarse[ch * hh * hw + block] = sum / Math.Max(count, 1e-6f);
                    }
                }
            // Some block is known (the image has a known pixel), so the coarse fill has a border to start from.
            var filled = anyHole ? Solve(coarse, coarseHoles, coarseBlocked, channels, hh, hw, iterations) : coarse;
            for (int ch = 0; ch < channels; ch++)
                for (int r = 0; r < h; r++)
                    for (int col = 0; col < w; col++)
                        start[ch * plane + r * w + col] = filled[ch * hh * hw + r / 2 * hw + col / 2];
        }
        else
        {
            // Too small to halve: every hole starts at the mean of the known (unblocked) pixels (a sum as the tensor form reduces it).
            using var scope = NewDisposeScope();
            var known = tensor(holes.Select((b, k) => b || (blocked is not null && blocked[k]) ? 0f : 1f).ToArray(), [h, w]);
            var mean = (tensor(image, [channels, h, w]) * known).sum([1, 2], keepdim: true) / known.sum().clamp_min(1);
            var means = mean.flatten().data<float>().ToArray();
            for (int ch = 0; ch < channels; ch++) Array.Fill(start, means[ch], ch * plane, plane);
        }
        var x = new float[channels * plane];
        var at = new List<int>();
        for (int k = 0; k < plane; k++) if (holes[k]) at.Add(k);
        for (int ch = 0; ch < channels; ch++)
            for (int k = 0; k < plane; k++)
                x[ch * plane + k] = holes[k] ? start[ch * plane + k] : image[ch * plane + k];
        // With walls the smallest size, which starts from a mean, sweeps until it has converged (it costs next to nothing):
        // a reflecting side doubles the distance an error travels to a fixed value, and the finer sizes start from it.
        var coarsest = !(h >= 8 && w >= 8);
        Sweep(x, blocked, channels, h, w, at.ToArray(), blocked is not null && coarsest ? 20 * iterations : iterations);
        return x;
    }

    /// <summary>
    /// Jacobi sweeps over the hole pixels alone (<paramref name="at"/>, flat indices into each H x W plane of
    /// <paramref name="x"/>; known pixels never change), one channel per core: each sweep sets every hole pixel to
    /// (up + down + left + right) / 4 of the sweep before, the border replicated. With pixels <paramref name="blocked"/>
    /// beside the holes, those are left out of the mean (a hole pixel with no other neighbour keeps its value) and the
    /// sweeps are over-relaxed in red-black order.
    /// </summary>
    static void Sweep(float[] x, bool[]? blocked, int channels, int h, int w, int[] at, int iterations)
    {
        var n = at.Length;
        var (up, down, left, right) = (new int[n], new int[n], new int[n], new int[n]);
        for (int k = 0; k < n; k++)
        {
            int r = at[k] / w, c = at[k] % w;
            up[k] = Math.Max(r - 1, 0) * w + c;
            down[k] = Math.Min(r + 1, h - 1) * w + c;
            left[k] = r * w + Math.Max(c - 1, 0);
            right[k] = r * w + Math.Min(c + 1, w - 1);
        }
        var walled = false;
        if (blocked is not null)
            for (int k = 0; k < n && !walled; k++) walled = blocked[up[k]] || blocked[down[k]] || blocked[left[k]] || blocked[right[k]];
        if (!walled)
        {
            Parallel.For(0, channels, ch =>
            {
                var plane = x.AsSpan(ch * h * w, h * w);
                var next = new float[n];
                for (int i = 0; i < iterations; i++)
                {
                    for (int k = 0; k < n; k++) next[k] = (plane[up[k]] + plane[down[k]] + plane[left[k]] + plane[right[k]]) / 4;
                    for (int k = 0; k < n; k++) plane[at[k]] = next[k];
                }
            });
            return;
        }
        // With walls: each hole pixel's neighbours as a list of the unblocked ones, and their count. A reflecting side
        // doubles the distance an error travels to a fixed value, which Jacobi sweeps cross slowly; these sweeps are
        // red-black successive over-relaxation instead (in place, the pixels with r + c even first, then the others, each
        // moved Omega times its step to the mean of its neighbours), which converges to the same solution many times faster.
        var neighbours = new int[4 * n];
        var count = new int[n];
        var red = new List<int>();
        var black = new List<int>();
        for (int k = 0; k < n; k++)
        {
            foreach (var q in (ReadOnlySpan<int>)[up[k], down[k], left[k], right[k]])
                if (!blocked![q]) neighbours[4 * k + count[k]++] = q;
            if (count[k] == 0) continue; // walled in alone: keeps its value
            ((at[k] / w + at[k] % w) % 2 == 0 ? red : black).Add(k);
        }
        var order = red.Concat(black).ToArray();
        Parallel.For(0, channels, ch =>
        {
            var plane = x.AsSpan(ch * h * w, h * w);
            for (int i = 0; i < iterations; i++)
                foreach (var k in order)
                {
                    var sum = 0f;
                    for (int j = 0; j < count[k]; j++) sum += plane[neighbours[4 * k + j]];
                    plane[at[k]] += Omega * (sum / count[k] - plane[at[k]]);
                }
        });
    }

    /// <summary>The over-relaxation of the walled sweeps (1: Gauss-Seidel; below 2 for convergence).</summary>
    const float Omega = 1.7f;

    static void Check(Tensor image, Tensor holes)
    {
        if (image.dim() != 3) throw new ArgumentException($"image must be [C, H, W], got [{string.Join(", ", image.shape)}]");
        if (holes.dim() != 2 || holes.shape[0] != image.shape[1] || holes.shape[1] != image.shape[2])
            throw new ArgumentException($"holes must be [{image.shape[1]}, {image.shape[2]}], got [{string.Join(", ", holes.shape)}]");
    }
}
