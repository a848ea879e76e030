using System.Runtime.InteropServices;
using InstantViews.Runtime;
using SkiaSharp;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>A layer's colour and valid mask as an 8-bit RGBA PNG (A = 255 where valid, 0 where empty; colour unpremultiplied).</summary>
static class LayerPng
{
    /// <summary>Packed RGBA bytes of colour [3,H,W] in [-1, 1] and valid [H,W].</summary>
    public static byte[] Rgba(Tensor rgb, Tensor valid)
    {
        var (h, w) = ((int)rgb.shape[1], (int)rgb.shape[2]);
        var colour = Imaging.ImageFile.ToBytes(rgb);
        var mask = valid.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var rgba = new byte[w * h * 4];
        for (int i = 0; i < w * h; i++)
        {
            rgba[4 * i] = colour[3 * i];
            rgba[4 * i + 1] = colour[3 * i + 1];
            rgba[4 * i + 2] = colour[3 * i + 2];
            rgba[4 * i + 3] = mask[i] > 0.5f ? (byte)255 : (byte)0;
        }
        return rgba;
    }

    /// <summary>PNG bytes of packed RGBA pixels.</summary>
    public static byte[] Encode(byte[] rgba, int width, int height)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap();
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            bitmap.InstallPixels(info, handle.AddrOfPinnedObject(), info.RowBytes);
            // Level 6 of 9 (Skia's quality 60): the usual zlib trade; 100 costs 3x the time for a few percent.
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 60) ?? throw new InvalidOperationException($"cannot encode a {width}x{height} layer as PNG");
            return data.ToArray();
        }
        finally { handle.Free(); }
    }

    /// <summary>Decodes an RGBA PNG: colour [3,H,W] in [-1, 1] and valid [H,W] (alpha at least 128); errors name <paramref name="path"/>.</summary>
    public static (Tensor Rgb, Tensor Valid) Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        using var stream = File.OpenRead(path);
        if (stream.Length == 0) throw new UserError($"'{path}': empty file, not a PNG layer");
        using var codec = SKCodec.Create(stream, out var result);
        if (codec is null) throw new UserError($"'{path}': not a readable image (decoder said {result})");
        if (codec.EncodedFormat != SKEncodedImageFormat.Png) throw new UserError($"'{path}': a {codec.EncodedFormat} image; a layer is an RGBA PNG");
        Imaging.ImageFile.CheckSize(path, codec.Info.Width, codec.Info.Height);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            var r = codec.GetPixels(info, handle.AddrOfPinnedObject());
            if (r != SKCodecResult.Success) throw new UserError($"'{path}': truncated or corrupt PNG data ({r})");
        }
        finally { handle.Free(); }
        var (w, h) = (info.Width, info.Height);
        var all = tensor(rgba, [h, w, 4], ScalarType.Byte);
        var rgb = all[.., .., ..3].permute(2, 0, 1).to_type(ScalarType.Float32).div_(127.5).sub_(1).contiguous();
        var valid = all[.., .., 3].ge(128).to_type(ScalarType.Float32).contiguous();
        return (rgb, valid);
    }
}
