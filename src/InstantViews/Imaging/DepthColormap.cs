using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>Depth maps as pictures: inverse depth normalised per image, through the Turbo colour map.</summary>
public static class DepthColormap
{
    /// <summary>Row-major depth [H, W] (metres) to RGB [3, H, W] in [-1, 1]; near is red, far is blue.</summary>
    public static Tensor ToImage(ReadOnlySpan<float> depth, int width, int height)
    {
        if (depth.Length != width * height) throw new ArgumentException($"depth has {depth.Length} values, expected {width}x{height}");
        double lo = double.MaxValue, hi = double.MinValue;
        foreach (var d in depth)
        {
            if (!(d > 0) || float.IsInfinity(d)) continue;
            var inv = 1.0 / d;
            lo = Math.Min(lo, inv);
            hi = Math.Max(hi, inv);
        }
        var n = width * height;
        var chw = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            var d = depth[i];
            var x = d > 0 && !float.IsInfinity(d) && hi > lo ? (1.0 / d - lo) / (hi - lo) : 0;
            var (r, g, b) = Turbo(x);
            chw[i] = (float)(2 * r - 1);
            chw[n + i] = (float)(2 * g - 1);
            chw[2 * n + i] = (float)(2 * b - 1);
        }
        return tensor(chw, [3, height, width]);
    }

    /// <summary>Polynomial approximation of Google's Turbo colour map (Mikhailov 2019), x in [0, 1].</summary>
    public static (double R, double G, double B) Turbo(double x)
    {
        x = Math.Clamp(x, 0, 1);
        double x2 = x * x, x3 = x2 * x, x4 = x3 * x, x5 = x4 * x;
        var r = 0.13572138 + 4.61539260 * x - 42.66032258 * x2 + 132.13108234 * x3 - 152.94239396 * x4 + 59.28637943 * x5;
        var g = 0.09140261 + 2.19418839 * x + 4.84296658 * x2 - 14.18503333 * x3 + 4.27729857 * x4 + 2.82956604 * x5;
        var b = 0.10667330 + 12.64194608 * x - 60.58204836 * x2 + 110.36276771 * x3 - 89.90310912 * x4 + 27.34824973 * x5;
        return (Math.Clamp(r, 0, 1), Math.Clamp(g, 0, 1), Math.Clamp(b, 0, 1));
    }
}
