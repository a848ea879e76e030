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
    /// Jacobi sweeps at each size, so a wide hole converges in as many sweeps as a narrow one.
    /// </summary>
    public static Tensor Harmonic(Tensor image, Tensor holes, int iterations = 60)
    {
        Check(image, holes);
        if (iterations < 1) throw new ArgumentException($"iterations must be positive, got {iterations}");
        using var scope = NewDisposeScope();
        var x = image.to_type(ScalarType.Float32);
        var m = holes.to(x.device).to_type(ScalarType.Float32);
        if (m.sum().item<float>() == 0) return x.clone().MoveToOuterDisposeScope();
        if (m.min().item<float>() > 0) throw new ArgumentException("the image has no known pixel to fill its holes from");
        return Solve(x, m, iterations).MoveToOuterDisposeScope();
    }

    static Tensor Solve(Tensor image, Tensor holes, int iterations)
    {
        var (h, w) = (image.shape[1], image.shape[2]);
        var known = 1 - holes;
        Tensor start;
        if (h >= 8 && w >= 8)
        {
            // Half size: each 2x2 block is the mean of its known pixels, a hole where it has none.
            var (ph, pw) = (h % 2, w % 2);
            var padded = nn.functional.pad((image * known).unsqueeze(0), [0, pw, 0, ph], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var weight = nn.functional.pad(known.unsqueeze(0).unsqueeze(0), [0, pw, 0, ph], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var sum = nn.functional.avg_pool2d(padded.unsqueeze(0), 2).squeeze(0);
            var count = nn.functional.avg_pool2d(weight.unsqueeze(0), 2).squeeze(0).squeeze(0);
            var coarseHoles = count.le(0).to_type(ScalarType.Float32);
            var coarse = sum / count.clamp_min(1e-6f).unsqueeze(0);
            // Some block is known (the image has a known pixel), so the coarse fill has a border to start from.
            var filled = coarseHoles.sum().item<float>() > 0 ? Solve(coarse, coarseHoles, iterations) : coarse;
            start = nn.functional.interpolate(filled.unsqueeze(0), [h + ph, w + pw], mode: InterpolationMode.Nearest).squeeze(0)
                .narrow(1, 0, h).narrow(2, 0, w);
        }
        else start = (image * known).sum([1, 2], keepdim: true) / known.sum().clamp_min(1);
        var fixedPart = image * known;
        var x = fixedPart + start * holes;
        for (int i = 0; i < iterations; i++)
        {
            // Each sweep frees its temporaries and the sweep before it: memory stays a few images, whatever the count.
            using var sweep = NewDisposeScope();
            var p = nn.functional.pad(x.unsqueeze(0), [1, 1, 1, 1], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var mean = (p.narrow(1, 0, h).narrow(2, 1, w) + p.narrow(1, 2, h).narrow(2, 1, w) + p.narrow(1, 1, h).narrow(2, 0, w) + p.narrow(1, 1, h).narrow(2, 2, w)) / 4;
            var next = (fixedPart + mean * holes).MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        return x;
    }

    static void Check(Tensor image, Tensor holes)
    {
        if (image.dim() != 3) throw new ArgumentException($"image must be [C, H, W], got [{string.Join(", ", image.shape)}]");
        if (holes.dim() != 2 || holes.shape[0] != image.shape[1] || holes.shape[1] != image.shape[2])
            throw new ArgumentException($"holes must be [{image.shape[1]}, {image.shape[2]}], got [{string.Join(", ", holes.shape)}]");
    }
}
