using System.Runtime.InteropServices;
using InstantViews.Imaging;
using InstantViews.Runtime;
using SkiaSharp;

namespace InstantViews.Depth;

/// <summary>
/// A depth map a phone stored inside its photo: the encoded depth image (8- or 16-bit PNG, or JPEG) and how its
/// values become metres. <see cref="Near"/> and <see cref="Far"/> are in metres (units already applied);
/// <see cref="AlongRay"/> means distance along each pixel's ray (GDepth:MeasureType OpticRay), not z.
/// </summary>
public sealed record EmbeddedDepthMap(string Container, DepthRangeFormat Format, double Near, double Far, bool AlongRay, byte[] Image)
{
    static readonly byte[] PngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Metres for a normalised pixel value v in [0, 1].</summary>
    public double Metres(double v) => Format == DepthRangeFormat.RangeLinear
        ? Near + v * (Far - Near)
        : Far * Near / (Far - v * (Far - Near));

    /// <summary>The depth image in metres (row-major), its width and height; <paramref name="path"/> is the photo, named in errors.</summary>
    public (float[] Metres, int Width, int Height) Decode(string path)
    {
        var (values, max, w, h) = Pixels(path);
        var metres = new float[values.Length];
        for (int i = 0; i < values.Length; i++) metres[i] = (float)Metres(values[i] / max);
        return (metres, w, h);
    }

    // Pixel values and their full scale (255 or 65535): SkiaSharp decodes 8-bit images, and 16-bit PNGs only to 8 bits,
    // so those go through the 16-bit grey PNG reader.
    (ushort[] Values, double Max, int Width, int Height) Pixels(string path)
    {
        var isPng = Image.AsSpan().StartsWith(PngSignature);
        if (isPng && Image.Length > 24 && Image[24] == 16)
        {
            var temporary = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"instantviews-depth-{Environment.ProcessId}-{Guid.NewGuid():N}.png");
            try
            {
                File.WriteAllBytes(temporary, Image);
                var (v, w16, h16) = Png.ReadGray16(temporary);
                return (v, 65535, w16, h16);
            }
            catch (UserError e) { throw new UserError($"'{path}': its embedded {Container} depth PNG: {e.Message.Replace($"'{temporary}': ", "")}"); }
            finally { File.Delete(temporary); }
        }
        if (!isPng && !(Image.Length > 2 && Image[0] == 0xFF && Image[1] == 0xD8))
            throw new UserError($"'{path}': its embedded {Container} depth image is neither PNG nor JPEG");
        using var codec = SKCodec.Create(new MemoryStream(Image, writable: false))
            ?? throw new UserError($"'{path}': its embedded {Container} depth image cannot be decoded");
        ImageFile.CheckSize(path, codec.Info.Width, codec.Info.Height);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        var grey = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(grey, GCHandleType.Pinned);
        try
        {
            var r = codec.GetPixels(info, handle.AddrOfPinnedObject());
            if (r != SKCodecResult.Success) throw new UserError($"'{path}': its embedded {Container} depth image is truncated or corrupt ({r})");
        }
        finally { handle.Free(); }
        var values = new ushort[info.Width * info.Height];
        for (int y = 0; y < info.Height; y++)
            for (int x = 0; x < info.Width; x++) values[y * info.Width + x] = grey[y * info.RowBytes + x];
        return (values, 255, info.Width, info.Height);
    }
}
