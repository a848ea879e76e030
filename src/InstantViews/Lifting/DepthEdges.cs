namespace InstantViews.Lifting;

/// <summary>
/// Sharpens the depth edges a depth network blurs into ramps (it works at a fraction of the photo's size), so the mesh
/// cut (<see cref="LayerMesh.Discontinuous"/>) finds them: in a square window of radius r, a pixel whose inverse depth
/// lies between the window's extremes (more than t/2 from both) snaps to the nearer one, but only where the window
/// holds an edge: its extremes differ by more than the edge ratio and its steepest one-pixel step is more than twice
/// the mean slope across it (a ramp between plateaus, not an evenly slanted floor or wall, which is left alone). A depth
/// with true steps (a depth file, a rendered scene) has no in-between pixels and is almost untouched. This is the toggle
/// of morphological min and max filters (Kramer and Bruckner 1975) restricted to edges; 3D Photo Inpainting sharpens its
/// disparity with a bilateral median filter before cutting, for the same reason. The min and max filters run in O(1) a
/// pixel whatever r (van Herk 1992; Gil and Werman 1993), rows and columns in parallel.
/// </summary>
static class DepthEdges
{
    public const double DefaultEdgeRatio = 0.15;

    /// <summary>The window radius for a photo: a network's ramps widen with the photo, so about 1/40 of its long side (at least 2 px).</summary>
    public static int Radius(int width, int height) => Math.Max(2, (int)Math.Ceiling(Math.Max(width, height) / 40.0));

    /// <summary>Sharpened copy of the row-major depth <paramref name="depth"/> (metres) of a <paramref name="width"/> x <paramref name="height"/> grid.</summary>
    public static float[] Sharpen(float[] depth, int width, int height, int radius, double threshold, double edgeRatio = DefaultEdgeRatio)
    {
        int n = width * height, k = 2 * radius + 1;
        var s = new float[n];
        var neg = new float[n];
        for (int i = 0; i < n; i++) (s[i], neg[i]) = (1 / depth[i], -1 / depth[i]);
        var steps = new float[n];
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                var i = y * width + x;
                var dx = x + 1 < width ? Math.Abs(s[i + 1] - s[i]) : 0;
                var dy = y + 1 < height ? Math.Abs(s[i + width] - s[i]) : 0;
                steps[i] = Math.Max(dx, dy);
            }
        });
        var max = MaxFilter(s, width, height, radius);
        var negMin = MaxFilter(neg, width, height, radius);
        var steepest = MaxFilter(steps, width, height, radius);
        var half = (float)(threshold / 2);
        var result = new float[n];
        Parallel.For(0, height, y =>
        {
            for (int i = y * width; i < (y + 1) * width; i++)
            {
                float v = s[i], hi = max[i], lo = -negMin[i];
                var edge = hi > lo * (1 + edgeRatio) && steepest[i] * k > 2 * (hi - lo);
                var between = v > lo * (1 + half) && v < hi / (1 + half);
                result[i] = edge && between ? 1 / (v / lo < hi / v ? lo : hi) : depth[i];
            }
        });
        return result;
    }

    /// <summary>The maximum over the (2r+1)^2 window around each pixel (clipped at the borders): a row pass, then a column pass.</summary>
    internal static float[] MaxFilter(float[] values, int width, int height, int radius)
    {
        // Columns run as rows of the transpose: strided reads down a column would miss the cache on every pixel.
        var rows = new float[values.Length];
        Parallel.For(0, height, y => Line(values, rows, y * width, 1, width, radius));
        var columns = Transpose(rows, width, height);
        var filtered = new float[values.Length];
        Parallel.For(0, width, x => Line(columns, filtered, x * height, 1, height, radius));
        return Transpose(filtered, height, width);
    }

    // [height, width] row-major -> [width, height], in 32 x 32 tiles.
    static float[] Transpose(float[] a, int width, int height)
    {
        const int tile = 32;
        var t = new float[a.Length];
        Parallel.For(0, (height + tile - 1) / tile, by =>
        {
            for (int bx = 0; bx < width; bx += tile)
                for (int y = by * tile; y < Math.Min(height, (by + 1) * tile); y++)
                    for (int x = bx; x < Math.Min(width, bx + tile); x++) t[x * height + y] = a[y * width + x];
        });
        return t;
    }

    // Van Herk / Gil-Werman on one line (start, stride, length): prefix maxima g and suffix maxima h within blocks of
    // k = 2r + 1 over the line padded by r on both sides; the window [i - r, i + r] is then max(h[i], g[i + 2r]).
    static void Line(float[] src, float[] dst, int start, int stride, int length, int radius)
    {
        var k = 2 * radius + 1;
        var padded = length + 2 * radius;
        var blocks = (padded + k - 1) / k * k;
        var g = new float[blocks];
        var h = new float[blocks];
        float At(int j) => j >= radius && j < radius + length ? src[start + (j - radius) * stride] : float.NegativeInfinity;
        for (int j = 0; j < blocks; j++) g[j] = j % k == 0 ? At(j) : Math.Max(g[j - 1], At(j));
        for (int j = blocks - 1; j >= 0; j--) h[j] = j % k == k - 1 ? At(j) : Math.Max(h[j + 1], At(j));
        for (int i = 0; i < length; i++) dst[start + i * stride] = Math.Max(h[i], g[i + 2 * radius]);
    }
}
