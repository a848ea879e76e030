using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>
/// One rendered view: RGB packed HWC in [0, 1], metric z-depth [H, W] (row-major) and the camera that saw it.
/// </summary>
public sealed record RenderedView(Camera Camera, float[] Rgb, float[] Depth)
{
    public int Width => Camera.Width;
    public int Height => Camera.Height;

    /// <summary>RGB as a float32 tensor [3, H, W] in [-1, 1].</summary>
    public Tensor RgbTensor()
    {
        var chw = new float[Rgb.Length];
        WriteChw(chw);
        return tensor(chw, [3, Height, Width]);
    }

    /// <summary>Writes RGB in [-1, 1] as planar CHW into <paramref name="dest"/> (3 * H * W values).</summary>
    public void WriteChw(Span<float> dest)
    {
        var n = Width * Height;
        for (int i = 0; i < n; i++)
        {
            dest[i] = Rgb[3 * i] * 2 - 1;
            dest[n + i] = Rgb[3 * i + 1] * 2 - 1;
            dest[2 * n + i] = Rgb[3 * i + 2] * 2 - 1;
        }
    }

    /// <summary>Depth as a float32 tensor [H, W] in metres.</summary>
    public Tensor DepthTensor() => tensor(Depth, [Height, Width]);

    /// <summary>RGB as packed 8-bit HWC, rounded to nearest.</summary>
    public byte[] RgbBytes()
    {
        var bytes = new byte[Rgb.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp((int)Math.Round(Rgb[i] * 255.0), 0, 255);
        return bytes;
    }
}
