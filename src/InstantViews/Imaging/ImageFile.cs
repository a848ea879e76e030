using System.Runtime.InteropServices;
using InstantViews.Runtime;
using SkiaSharp;
using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// Image files to and from float tensors [C,H,W] in [-1, 1]. Reads PNG/JPEG/WebP (8-bit) through SkiaSharp,
/// writes PNG. 8-bit round trips are exact: v -> v/127.5 - 1 -> round((x + 1) * 127.5) = v.
/// </summary>
public static class ImageFile
{
    /// <summary>Reads an 8-bit image as [channels, H, W] in [-1, 1]; channels is 3 (RGB) or 1 (luma).</summary>
    public static Tensor Read(string path, int channels = 3)
    {
        var (pixels, w, h) = ReadRgb8(path);
        var t = tensor(pixels, [h, w, 3], ScalarType.Byte).permute(2, 0, 1).to_type(ScalarType.Float32).div_(127.5).sub_(1);
        if (channels == 3) return t;
        if (channels == 1) return (0.299 * t[0] + 0.587 * t[1] + 0.114 * t[2]).unsqueeze(0);
        throw new ArgumentException($"channels must be 1 or 3, got {channels}");
    }

    /// <summary>The largest image decoded (pixels): a header claiming more is refused before any allocation.</summary>
    public const long MaxPixels = 64L << 20;

    /// <summary>Refuses sizes that are not positive or exceed <see cref="MaxPixels"/>, naming the file.</summary>
    public static void CheckSize(string path, long width, long height, long maxPixels = MaxPixels)
    {
        if (width < 1 || height < 1) throw new UserError($"'{path}': image size {width}x{height} is empty");
        if (width * height > maxPixels)
            throw new UserError($"'{path}': image of {width}x{height} pixels is larger than the limit of {(maxPixels >= 1 << 20 ? $"{maxPixels / (double)(1 << 20):0.#} megapixels" : $"{maxPixels} pixels")}");
    }

    /// <summary>Decodes any 8-bit PNG/JPEG/WebP to packed RGB bytes; bad files give a one-line error naming them.</summary>
    public static (byte[] Rgb, int Width, int Height) ReadRgb8(string path)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        using var file = File.OpenRead(path);
        // A pipe or device (e.g. /dev/stdin) is read into memory first: the decoder needs to seek.
        using var stream = file.CanSeek ? (Stream)file : ReadAll(file, path);
        return Decode(stream, path);
    }

    /// <summary>
    /// Decodes an image held in memory (an upload) as [3, H, W] in [-1, 1]; <paramref name="name"/> names it in errors.
    /// A header claiming more than <paramref name="maxPixels"/> is refused before any pixel is decoded.
    /// </summary>
    public static Tensor Decode(byte[] bytes, string name, long maxPixels = MaxPixels)
    {
        var (pixels, w, h) = DecodeRgb8(bytes, name, maxPixels);
        return tensor(pixels, [h, w, 3], ScalarType.Byte).permute(2, 0, 1).to_type(ScalarType.Float32).div_(127.5).sub_(1);
    }

    static (byte[] Rgb, int Width, int Height) Decode(Stream stream, string path, long maxPixels = MaxPixels)
    {
        if (stream.Length == 0) throw new UserError($"'{path}': empty file, not an image");
        using var codec = SKCodec.Create(stream, out var result);
        if (codec is null) throw new UserError($"'{path}': not a readable image (PNG, JPEG or WebP expected; decoder said {result})");
        CheckSize(path, codec.Info.Width, codec.Info.Height, maxPixels);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            var r = codec.GetPixels(info, handle.AddrOfPinnedObject());
            if (r == SKCodecResult.IncompleteInput || r == SKCodecResult.ErrorInInput)
                throw new UserError($"'{path}': truncated or corrupt image data ({r})");
            if (r != SKCodecResult.Success) throw new UserError($"'{path}': cannot decode image ({r})");
        }
        finally { handle.Free(); }
        var n = info.Width * info.Height;
        var rgb = new byte[n * 3];
        for (int i = 0; i < n; i++)
        {
            rgb[3 * i] = rgba[4 * i];
            rgb[3 * i + 1] = rgba[4 * i + 1];
            rgb[3 * i + 2] = rgba[4 * i + 2];
        }
        return (rgb, info.Width, info.Height);
    }

    /// <summary>Encodes [3,H,W] in [-1, 1] as JPEG (<paramref name="quality"/> 1-100) or PNG bytes, in memory.</summary>
    public static byte[] Encode(Tensor image, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 90)
    {
        if (image.dim() != 3 || image.shape[0] != 3) throw new ArgumentException($"image tensor must be [3,H,W], got [{string.Join(",", image.shape)}]");
        return EncodeRgb8(ToBytes(image), (int)image.shape[2], (int)image.shape[1], format, quality);
    }

    /// <summary>
    /// Decodes an image held in memory to packed 8-bit RGB (HWC); <paramref name="name"/> names it in errors, and a header
    /// claiming more than <paramref name="maxPixels"/> is refused before any pixel is decoded.
    /// </summary>
    public static (byte[] Rgb, int Width, int Height) DecodeRgb8(byte[] bytes, string name, long maxPixels = MaxPixels)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Decode(stream, name, maxPixels);
    }

    /// <summary>Encodes packed 8-bit RGB (HWC) of <paramref name="w"/> x <paramref name="h"/> as JPEG or PNG bytes, in memory.</summary>
    public static byte[] EncodeRgb8(byte[] rgb, int w, int h, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 90)
    {
        if (rgb.Length != 3 * w * h) throw new ArgumentException($"{rgb.Length} bytes are not {w}x{h} RGB");
        var rgba = new byte[w * h * 4];
        for (int i = 0, n = w * h; i < n; i++)
        {
            rgba[4 * i] = rgb[3 * i];
            rgba[4 * i + 1] = rgb[3 * i + 1];
            rgba[4 * i + 2] = rgb[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap();
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            bitmap.InstallPixels(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"cannot encode a {w}x{h} image as {format}");
            return data.ToArray();
        }
        finally { handle.Free(); }
    }

    static MemoryStream ReadAll(Stream input, string path)
    {
        var memory = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            memory.Write(buffer, 0, n);
            if (memory.Length > 4 * MaxPixels) throw new UserError($"'{path}': more than {4 * MaxPixels >> 20} MB, not an image this program reads");
        }
        memory.Position = 0;
        return memory;
    }

    /// <summary>Converts [C,H,W] in [-1, 1] (C = 1 or 3) to packed 8-bit bytes (HWC), rounding to nearest.</summary>
    public static byte[] ToBytes(Tensor image)
    {
        if (image.dim() != 3 || (image.shape[0] != 1 && image.shape[0] != 3))
            throw new ArgumentException($"image tensor must be [1|3,H,W], got [{string.Join(",", image.shape)}]");
        using var scope = NewDisposeScope();
        var u8 = image.detach().cpu().to_type(ScalarType.Float32).add(1).mul(127.5).round().clamp(0, 255)
            .to_type(ScalarType.Byte).permute(1, 2, 0).contiguous();
        return u8.bytes.ToArray();
    }

    /// <summary>Writes [C,H,W] in [-1, 1] as an 8-bit PNG (RGB or grey), atomically.</summary>
    public static void Write(string path, Tensor image)
    {
        var c = (int)image.shape[0];
        var h = (int)image.shape[1];
        var w = (int)image.shape[2];
        WritePng(path, ToBytes(image), w, h, c);
    }

    /// <summary>Encodes packed 8-bit pixels (1 or 3 channels) as PNG through SkiaSharp, atomically.</summary>
    public static void WritePng(string path, byte[] pixels, int width, int height, int channels)
    {
        SKBitmap bmp;
        if (channels == 1)
        {
            bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            Marshal.Copy(pixels, 0, bmp.GetPixels(), pixels.Length);
        }
        else
        {
            bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var rgba = new byte[width * height * 4];
            for (int i = 0; i < width * height; i++)
            {
                rgba[4 * i] = pixels[3 * i];
                rgba[4 * i + 1] = pixels[3 * i + 1];
                rgba[4 * i + 2] = pixels[3 * i + 2];
                rgba[4 * i + 3] = 255;
            }
            Marshal.Copy(rgba, 0, bmp.GetPixels(), rgba.Length);
        }
        using (bmp)
        using (var data = bmp.Encode(SKEncodedImageFormat.Png, 100))
            AtomicFile.Write(path, data.ToArray());
    }
}

/// <summary>Writes whole files atomically (temporary file ".NAME.PID.tmp" in the same folder, then rename).</summary>
public static class AtomicFile
{
    /// <summary>Deletes the temporary files a killed save left in <paramref name="dir"/> (those of processes that are gone).</summary>
    public static int RemoveStale(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        var removed = 0;
        foreach (var f in Directory.EnumerateFiles(dir, ".*.tmp"))
        {
            var parts = Path.GetFileName(f).Split('.');
            if (parts.Length < 4 || !int.TryParse(parts[^2], out var pid) || pid == Environment.ProcessId || ProcessAlive(pid)) continue;
            File.Delete(f);
            removed++;
        }
        return removed;
    }

    static bool ProcessAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>
    /// The temporary file a save of <paramref name="path"/> writes first (its folder created), to be moved over the
    /// full path when complete; <see cref="RemoveStale"/> finds those a killed process left.
    /// </summary>
    public static (string Full, string Temporary) Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{dir}': cannot create output folder ({e.Message})"); }
        return (full, Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp"));
    }

    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var (full, tmp) = Prepare(path);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write)) fs.Write(bytes);
            File.Move(tmp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e) { throw new UserError($"'{path}': cannot write ({e.Message})"); }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }

    public static void WriteText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));
}
