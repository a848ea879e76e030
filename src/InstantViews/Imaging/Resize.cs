using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Imaging;

public enum ResizeFilter { Area, Bilinear, Bicubic, Nearest }

/// <summary>Resizing of [C,H,W] or [N,C,H,W] tensors: area averaging to shrink, bilinear/bicubic to enlarge.</summary>
public static class Resize
{
    /// <summary>Resizes to (height, width). Auto picks area when shrinking and bicubic when enlarging.</summary>
    public static Tensor To(Tensor image, int height, int width, ResizeFilter? filter = null)
    {
        var batched = image.dim() == 4;
        var x = batched ? image : image.unsqueeze(0);
        var h = x.shape[2];
        var shrinking = height <= h && width <= x.shape[3];
        var f = filter ?? (shrinking ? ResizeFilter.Area : ResizeFilter.Bicubic);
        var mode = f switch
        {
            ResizeFilter.Area => InterpolationMode.Area,
            ResizeFilter.Bilinear => InterpolationMode.Bilinear,
            ResizeFilter.Bicubic => InterpolationMode.Bicubic,
            _ => InterpolationMode.Nearest,
        };
        if (f == ResizeFilter.Bicubic)
        {
            // Separable: two small matrix products with PyTorch's bicubic weights (several times faster than its
            // upsample_bicubic2d on the CPU for a photo-sized output; equal to float rounding, tested).
            var rows = BicubicMatrix(height, (int)h, x.device);
            var cols = BicubicMatrix(width, (int)x.shape[3], x.device);
            var yb = matmul(matmul(rows, x.to_type(ScalarType.Float32)), cols.t()).to_type(x.dtype);
            return batched ? yb : yb.squeeze(0);
        }
        bool? align = f is ResizeFilter.Bilinear ? false : null;
        var y = F.interpolate(x, [height, width], mode: mode, align_corners: align);
        return batched ? y : y.squeeze(0);
    }

    /// <summary>
    /// The [output, input] matrix of 1-D bicubic resampling as PyTorch does it (align_corners false): source coordinate
    /// (i + 0.5) in/out - 0.5, Keys' cubic with A = -0.75 on the four nearest samples, indices clamped at the borders.
    /// </summary>
    public static Tensor BicubicMatrix(int output, int input, Device? device = null)
    {
        // Built once per size pair on the CPU (a view is resized with the same pair again and again); a copy each call.
        var cpu = BicubicMatrices.GetOrAdd((output, input), key => BuildBicubicMatrix(key.Output, key.Input));
        return device is null || device.type == TorchSharp.DeviceType.CPU ? cpu.alias() : cpu.to(device);
    }

    static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Output, int Input), Tensor> BicubicMatrices = new();

    /// <summary>
    /// Output sample <paramref name="i"/> of a bicubic resize from <paramref name="input"/> to <paramref name="output"/>
    /// samples as PyTorch computes it (align_corners false): source coordinate (i + 0.5) in/out - 0.5 in float, Keys'
    /// cubic with A = -0.75. Writes the weights of input samples x0 - 1 ... x0 + 2 and returns x0 (unclamped).
    /// </summary>
    static int CubicTaps(int i, int output, int input, Span<float> weights)
    {
        const double a = -0.75;
        static double Near(double x) => ((a + 2) * x - (a + 3)) * x * x + 1;          // |x| <= 1
        static double Far(double x) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;      // 1 < |x| < 2
        var src = (float)((double)input / output * (i + 0.5) - 0.5); // float, as PyTorch computes it
        var x0 = (int)MathF.Floor(src);
        double t = src - x0;
        (weights[0], weights[1], weights[2], weights[3]) = ((float)Far(t + 1), (float)Near(t), (float)Near(1 - t), (float)Far(2 - t));
        return x0;
    }

    static Tensor BuildBicubicMatrix(int output, int input)
    {
        var m = new float[output * input];
        Span<float> w = stackalloc float[4];
        for (int i = 0; i < output; i++)
        {
            var x0 = CubicTaps(i, output, input, w);
            for (int k = 0; k < 4; k++) m[i * input + Math.Clamp(x0 - 1 + k, 0, input - 1)] += w[k];
        }
        return tensor(m, [output, input]).DetachFromDisposeScope();
    }

    /// <summary>
    /// <see cref="To"/>(image, height, width, filter) at some pixels only: <paramref name="at"/> holds flat indices
    /// (y * width + x, int64) of the output; returns [C, n]. Bicubic and bilinear read the same samples with the same
    /// weights as <see cref="To"/> (to float rounding), at a cost that follows n rather than the output's size.
    /// </summary>
    public static Tensor At(Tensor image, Tensor at, int height, int width, ResizeFilter filter)
    {
        using var scope = NewDisposeScope();
        var (c, h, w) = (image.shape[0], (int)image.shape[1], (int)image.shape[2]);
        var n = at.shape[0];
        var x = image.to_type(ScalarType.Float32);
        if (h == height && w == width) return x.reshape(c, -1).index_select(1, at).MoveToOuterDisposeScope();
        if (filter == ResizeFilter.Bilinear)
        {
            var ys = at.div(width, rounding_mode: RoundingMode.floor).to_type(ScalarType.Float32);
            // grid_sample with align_corners false maps the pixel centre (i + 0.5) / out to the source coordinate
            // (i + 0.5) in / out - 0.5, and border padding clamps it to the image, as interpolate does.
            var xs = (at % width).to_type(ScalarType.Float32);
            var grid = stack([xs.add(0.5f).mul(2f / width).sub(1f), ys.add(0.5f).mul(2f / height).sub(1f)], 1).view(1, 1, n, 2);
            return F.grid_sample(x.unsqueeze(0), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false)
                .view(c, n).MoveToOuterDisposeScope();
        }
        if (filter != ResizeFilter.Bicubic) throw new ArgumentException($"Resize.At samples bilinear or bicubic, not {filter}", nameof(filter));
        // Keys' cubic (A = -0.75) on the 4x4 nearest samples, indices clamped, as To: BicubicMatrix's weights per output
        // column and row, applied at the given pixels only (horizontally, then vertically).
        return CubicAt(x.cpu().contiguous(), at.cpu().to_type(ScalarType.Int64).contiguous(), height, width).to(x.device).MoveToOuterDisposeScope();
    }

    /// <summary>The bicubic case of <see cref="At"/>: a loop over the pixels on the CPU (a tensor form's small gathers
    /// cost ten times more for the holes of a photo-sized view), with <see cref="BicubicMatrix"/>'s taps and weights.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static unsafe Tensor CubicAt(Tensor image, Tensor at, int height, int width)
    {
        int c = (int)image.shape[0], h = (int)image.shape[1], w = (int)image.shape[2], n = (int)at.shape[0];
        var output = new float[c * n];
        int plane = h * w; // an int offset: a plane of over 2^31 floats is not resized here
        // The taps depend on the output row (column) only: each one's first tap and four weights, computed once.
        var (rowFirst, rowWeights) = Taps(height, h);
        var (columnFirst, columnWeights) = Taps(width, w);
        // The tensors' storage, read in place (both contiguous on the CPU); the pixels in parallel chunks.
        nint input, pixels;
        fixed (byte* i0 = image.bytes, a0 = at.bytes) (input, pixels) = ((nint)i0, (nint)a0); // tensor storage does not move
        var chunks = n >= 1 << 14 ? Math.Clamp(Environment.ProcessorCount, 1, 8) : 1;
        Parallel.For(0, chunks, chunk =>
        {
            var rows = stackalloc int[4];
            var columns = stackalloc int[4];
            fixed (float* o = output, wys = rowWeights, wxs = columnWeights)
            {
                for (int p = (int)((long)n * chunk / chunks), end = (int)((long)n * (chunk + 1) / chunks); p < end; p++)
                {
                    int pixel = (int)((long*)pixels)[p], y = pixel / width, x = pixel - y * width;
                    for (int k = 0; k < 4; k++)
                    {
                        rows[k] = Math.Clamp(rowFirst[y] - 1 + k, 0, h - 1) * w;
                        columns[k] = Math.Clamp(columnFirst[x] - 1 + k, 0, w - 1);
                    }
                    float* wy = wys + 4 * y, wx = wxs + 4 * x;
                    for (int ch = 0; ch < c; ch++)
                    {
                        float sum = 0;
                        for (int r = 0; r < 4; r++)
                        {
                            var row = (float*)input + ch * plane + rows[r];
                            sum += wy[r] * (row[columns[0]] * wx[0] + row[columns[1]] * wx[1] + row[columns[2]] * wx[2] + row[columns[3]] * wx[3]);
                        }
                        o[ch * n + p] = sum;
                    }
                }
            }
        });
        return tensor(output, [c, n]);
    }

    static (int[] First, float[] Weights) Taps(int output, int input)
    {
        var first = new int[output];
        var weights = new float[4 * output];
        for (int i = 0; i < output; i++) first[i] = CubicTaps(i, output, input, weights.AsSpan(4 * i, 4));
        return (first, weights);
    }

    /// <summary>Box (area) downsampling by an integer factor: the mean of each factor x factor block (1: the image itself).</summary>
    public static Tensor Down(Tensor image, int factor) =>
        factor == 1 ? image.alias() : To(image, (int)image.shape[^2] / factor, (int)image.shape[^1] / factor, ResizeFilter.Area);
}
