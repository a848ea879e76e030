using InstantViews.Scenes;
using SkiaSharp;

namespace InstantViews.Depth;

/// <summary>
/// What a camera does to a picture, drawn at random for depth training: exposure, white balance, tone curve,
/// vignetting, blur, sensor noise and JPEG compression. Works in place on packed RGB in [0, 1]; the depth is
/// unchanged. Same generator state, same result.
/// </summary>
public static class PhotoAugment
{
    public static void Apply(float[] rgb, int width, int height, SceneRandom rng)
    {
        if (rgb.Length != 3 * width * height) throw new ArgumentException($"{rgb.Length} values are not a {width}x{height} RGB image");
        var gain = Math.Pow(2, rng.Uniform(-0.8, 0.6));
        double[] balance = [gain * rng.Uniform(0.85, 1.15), gain * rng.Uniform(0.9, 1.1), gain * rng.Uniform(0.85, 1.15)];
        var gamma = rng.Uniform(0.8, 1.25);
        var vignette = rng.Chance(0.4) ? rng.Uniform(0.1, 0.5) : 0;
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0, r2 = cx * cx + cy * cy;
        for (int y = 0, i = 0; y < height; y++)
            for (int x = 0; x < width; x++, i++)
            {
                var v = vignette > 0 ? 1 - vignette * ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2 : 1;
                for (int c = 0; c < 3; c++)
                    rgb[3 * i + c] = (float)Math.Pow(Math.Clamp(rgb[3 * i + c] * balance[c] * v, 0, 1), gamma);
            }
        if (rng.Chance(0.3)) Blur(rgb, width, height, rng.Uniform(0.3, 1.2));
        if (rng.Chance(0.5))
        {
            var sigma = rng.Uniform(0.005, 0.03);
            for (int i = 0; i < rgb.Length; i += 2)
            {
                // Box-Muller: two normal draws per pair of uniforms.
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble(), r = Math.Sqrt(-2 * Math.Log(u1));
                rgb[i] = Math.Clamp(rgb[i] + (float)(sigma * r * Math.Cos(2 * Math.PI * u2)), 0, 1);
                if (i + 1 < rgb.Length) rgb[i + 1] = Math.Clamp(rgb[i + 1] + (float)(sigma * r * Math.Sin(2 * Math.PI * u2)), 0, 1);
            }
        }
        if (rng.Chance(0.3)) Jpeg(rgb, width, height, rng.Next(30, 91));
    }

    /// <summary>Separable Gaussian blur (radius 3 sigma, clamped borders).</summary>
    public static void Blur(float[] rgb, int width, int height, double sigma)
    {
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = new float[2 * radius + 1];
        for (int j = -radius; j <= radius; j++) k[j + radius] = (float)Math.Exp(-j * j / (2 * sigma * sigma));
        var sum = k.Sum();
        for (int j = 0; j < k.Length; j++) k[j] /= sum;
        var tmp = new float[rgb.Length];
        for (int pass = 0; pass < 2; pass++)
        {
            var (src, dst) = pass == 0 ? (rgb, tmp) : (tmp, rgb);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < 3; c++)
                    {
                        float acc = 0;
                        for (int j = -radius; j <= radius; j++)
                        {
                            var (xx, yy) = pass == 0 ? (Math.Clamp(x + j, 0, width - 1), y) : (x, Math.Clamp(y + j, 0, height - 1));
                            acc += k[j + radius] * src[3 * (yy * width + xx) + c];
                        }
                        dst[3 * (y * width + x) + c] = acc;
                    }
        }
    }

    /// <summary>Round trip through a JPEG of the given quality (<see cref="Imaging.ImageFile"/>'s encoder and decoder, SkiaSharp's).</summary>
    public static void Jpeg(float[] rgb, int width, int height, int quality)
    {
        var bytes = new byte[3 * width * height];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp((int)Math.Round(rgb[i] * 255), 0, 255);
        var (decoded, _, _) = Imaging.ImageFile.DecodeRgb8(Imaging.ImageFile.EncodeRgb8(bytes, width, height, SKEncodedImageFormat.Jpeg, quality), "the augmented photo");
        for (int i = 0; i < decoded.Length; i++) rgb[i] = decoded[i] / 255f;
    }
}
