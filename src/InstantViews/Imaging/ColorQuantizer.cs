namespace InstantViews.Imaging;

/// <summary>
/// Reduces an RGB image to at most 256 colours for a GIF frame: median cut (Heckbert 1982) on a 5-5-5 bit colour
/// histogram — the box holding the most pixels times its longest side is split at the median of that side until
/// there are 256 boxes, each box's colour is the mean of its pixels — then each pixel takes its nearest palette
/// colour (found once per 6-6-6 bit colour cell), with Floyd-Steinberg error diffusion (serpentine rows) so gradients
/// do not band.
/// </summary>
public static class ColorQuantizer
{
    const int Bins = 32 * 32 * 32;

    /// <summary>The palette (up to 256 RGB colours, 3 bytes each) and one index per pixel of packed RGB <paramref name="rgb"/>.</summary>
    public static (byte[] Palette, byte[] Indices) Quantize(ReadOnlySpan<byte> rgb, int width, int height, bool dither = true)
    {
        if (rgb.Length != 3 * width * height) throw new ArgumentException($"{rgb.Length} bytes are not a {width}x{height} RGB image");
        var histogram = new int[Bins];
        var sums = new long[3 * Bins];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            var bin = Bin(rgb[i], rgb[i + 1], rgb[i + 2]);
            histogram[bin]++;
            for (int c = 0; c < 3; c++) sums[3 * bin + c] += rgb[i + c];
        }
        var palette = MedianCut(histogram, sums, 256);
        var lookup = new Lookup(palette);
        var indices = new byte[width * height];
        if (!dither)
        {
            for (int p = 0, i = 0; p < indices.Length; p++, i += 3) indices[p] = lookup.Nearest(rgb[i], rgb[i + 1], rgb[i + 2]);
            return (Flatten(palette), indices);
        }
        // Errors carried to the current and the next row, per channel.
        var current = new float[3 * (width + 2)];
        var next = new float[3 * (width + 2)];
        Span<float> want = stackalloc float[3];
        for (int y = 0; y < height; y++)
        {
            var forward = y % 2 == 0;
            for (int k = 0; k < width; k++)
            {
                var x = forward ? k : width - 1 - k;
                var dir = forward ? 1 : -1;
                var i = 3 * (y * width + x);
                for (int c = 0; c < 3; c++) want[c] = Math.Clamp(rgb[i + c] + current[3 * (x + 1) + c], 0, 255);
                var index = lookup.Nearest(want[0], want[1], want[2]);
                indices[y * width + x] = index;
                var chosen = palette[index];
                for (int c = 0; c < 3; c++)
                {
                    var e = want[c] - chosen[c];
                    current[3 * (x + 1 + dir) + c] += e * 7 / 16f;
                    next[3 * (x + 1 - dir) + c] += e * 3 / 16f;
                    next[3 * (x + 1) + c] += e * 5 / 16f;
                    next[3 * (x + 1 + dir) + c] += e * 1 / 16f;
                }
            }
            (current, next) = (next, current);
            Array.Clear(next);
        }
        return (Flatten(palette), indices);
    }

    static int Bin(int r, int g, int b) => (r >> 3) << 10 | (g >> 3) << 5 | b >> 3;

    static byte[] Flatten(List<float[]> palette)
    {
        var flat = new byte[3 * palette.Count];
        for (int i = 0; i < palette.Count; i++)
            for (int c = 0; c < 3; c++) flat[3 * i + c] = (byte)Math.Clamp((int)Math.Round(palette[i][c]), 0, 255);
        return flat;
    }

    /// <summary>Nearest palette colour by squared distance, remembered per 6-6-6 bit colour cell (the cell's centre decides).</summary>
    sealed class Lookup(List<float[]> palette)
    {
        readonly short[] cells = Enumerable.Repeat((short)-1, 1 << 18).ToArray();

        public byte Nearest(float r, float g, float b)
        {
            int cr = (int)r >> 2, cg = (int)g >> 2, cb = (int)b >> 2;
            var cell = cr << 12 | cg << 6 | cb;
            if (cells[cell] < 0) cells[cell] = Search(cr * 4 + 1.5f, cg * 4 + 1.5f, cb * 4 + 1.5f);
            return (byte)cells[cell];
        }

        short Search(float r, float g, float b)
        {
            var best = 0;
            var bestDistance = float.MaxValue;
            for (int i = 0; i < palette.Count; i++)
            {
                var p = palette[i];
                float dr = MathF.Round(p[0]) - r, dg = MathF.Round(p[1]) - g, db = MathF.Round(p[2]) - b;
                var d = dr * dr + dg * dg + db * db;
                if (d < bestDistance) (best, bestDistance) = (i, d);
            }
            return (short)best;
        }
    }

    /// <summary>Median cut over the histogram's occupied bins; returns the mean colour (0-255) of each box's pixels.</summary>
    static List<float[]> MedianCut(int[] histogram, long[] sums, int colours)
    {
        var occupied = Enumerable.Range(0, Bins).Where(b => histogram[b] > 0).ToArray();
        var boxes = new List<int[]> { occupied };
        while (boxes.Count < colours)
        {
            // The box to split: most pixels times its longest side; a box of one bin cannot be split.
            int pick = -1;
            double score = 0;
            int axis = 0;
            for (int i = 0; i < boxes.Count; i++)
            {
                if (boxes[i].Length < 2) continue;
                var (a, side) = LongestSide(boxes[i]);
                var s = (double)boxes[i].Sum(b => (long)histogram[b]) * side;
                if (s > score) (pick, score, axis) = (i, s, a);
            }
            if (pick < 0) break;
            var box = boxes[pick].OrderBy(b => Channel(b, axis)).ToArray();
            var total = box.Sum(b => (long)histogram[b]);
            long running = 0;
            var cut = 1;
            for (; cut < box.Length - 1; cut++)
            {
                running += histogram[box[cut - 1]];
                if (running * 2 >= total) break;
            }
            boxes[pick] = box[..cut];
            boxes.Add(box[cut..]);
        }
        return boxes.Select(box =>
        {
            double n = 0, r = 0, g = 0, b = 0;
            foreach (var bin in box)
            {
                n += histogram[bin];
                r += sums[3 * bin];
                g += sums[3 * bin + 1];
                b += sums[3 * bin + 2];
            }
            return new[] { (float)(r / n), (float)(g / n), (float)(b / n) };
        }).ToList();
    }

    static int Channel(int bin, int axis) => axis switch { 0 => bin >> 10, 1 => (bin >> 5) & 31, _ => bin & 31 };

    static (int Axis, int Side) LongestSide(int[] box)
    {
        var best = (0, -1);
        for (int a = 0; a < 3; a++)
        {
            int lo = 31, hi = 0;
            foreach (var b in box) { var v = Channel(b, a); lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            if (hi - lo > best.Item2) best = (a, hi - lo);
        }
        return best;
    }
}
