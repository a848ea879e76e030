namespace InstantViews.Scenes;

/// <summary>
/// A photograph used as a surface texture: packed RGB in [0, 1], sampled bilinearly in image widths
/// (s, t) = (1, 1) is the image's width in both directions, mirrored at the borders so it tiles without seams.
/// </summary>
public sealed class PhotoImage
{
    public string Name { get; }
    public int Width { get; }
    public int Height { get; }
    readonly float[] rgb;

    public PhotoImage(string name, float[] rgb, int width, int height)
    {
        if (width < 2 || height < 2 || rgb.Length != 3 * width * height)
            throw new ArgumentException($"photo '{name}': {rgb.Length} values do not make a {width}x{height} RGB image of at least 2x2");
        Name = name;
        Width = width;
        Height = height;
        this.rgb = rgb;
    }

    /// <summary>The photo as an image tensor [3, H, W] in [-1, 1].</summary>
    public TorchSharp.torch.Tensor ToTensor() =>
        TorchSharp.torch.tensor(rgb, [Height, Width, 3]).permute(2, 0, 1).mul(2).sub(1).contiguous();

    /// <summary>Colour at (s, t) in image widths from the top-left corner; mirrored tiling outside [0, 1] x [0, H/W].</summary>
    public Geometry.Vec3 Sample(double s, double t)
    {
        double x = Mirror(s * Width - 0.5, Width), y = Mirror(t * Width - 0.5, Height);
        int x0 = (int)x, y0 = (int)y;
        int x1 = Math.Min(x0 + 1, Width - 1), y1 = Math.Min(y0 + 1, Height - 1);
        double fx = x - x0, fy = y - y0;
        int a = 3 * (y0 * Width + x0), b = 3 * (y0 * Width + x1), c = 3 * (y1 * Width + x0), d = 3 * (y1 * Width + x1);
        double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        return new(
            w00 * rgb[a] + w01 * rgb[b] + w10 * rgb[c] + w11 * rgb[d],
            w00 * rgb[a + 1] + w01 * rgb[b + 1] + w10 * rgb[c + 1] + w11 * rgb[d + 1],
            w00 * rgb[a + 2] + w01 * rgb[b + 2] + w10 * rgb[c + 2] + w11 * rgb[d + 2]);
    }

    /// <summary>Reflects a pixel coordinate into [0, n - 1]: ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...</summary>
    public static double Mirror(double x, int n)
    {
        var period = 2.0 * n;
        var m = x + 0.5 - period * Math.Floor((x + 0.5) / period);
        var r = m < n ? m - 0.5 : period - m - 0.5;
        return Math.Clamp(r, 0, n - 1);
    }
}
