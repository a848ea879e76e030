using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>The animation formats written: animated PNG, GIF and MP4 (H.264).</summary>
public enum AnimationFormat { Png, Gif, Mp4 }

/// <summary>
/// Writes an animation file one frame at a time (a frame is encoded when added and not kept), so memory does not grow
/// with the number of frames: an animated PNG (<see cref="Png.AnimatedEncoder"/>), a GIF (<see cref="GifEncoder"/>) or
/// an MP4 (<see cref="Mp4Encoder"/>, through ffmpeg), enlarged <c>zoom</c> times as it is encoded. The file is written to a temporary file beside it and moved into place
/// by <see cref="Commit"/>; disposed without a commit (an error, Ctrl-C), it leaves nothing behind.
/// </summary>
public sealed class AnimationWriter : IDisposable
{
    /// <summary>The largest frame written (pixels, after the zoom): 16 megapixels, e.g. 4096x4096.</summary>
    public const long MaxFramePixels = 16L << 20;

    readonly string full, temporary;
    readonly FileStream? file;
    readonly IAnimationEncoder encoder;
    readonly int width, height;
    bool committed;

    AnimationWriter(string full, string temporary, FileStream? file, IAnimationEncoder encoder, int width, int height) =>
        (this.full, this.temporary, this.file, this.encoder, this.width, this.height) = (full, temporary, file, encoder, width, height);

    /// <summary>The format of an output path by its extension (.png, .gif or .mp4), or null.</summary>
    public static AnimationFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => AnimationFormat.Png,
        ".gif" => AnimationFormat.Gif,
        ".mp4" => AnimationFormat.Mp4,
        _ => null,
    };

    /// <summary>
    /// Starts an animation of <paramref name="frameCount"/> frames of <paramref name="width"/> x <paramref name="height"/>
    /// (written <paramref name="zoom"/> times larger, at most <see cref="MaxFramePixels"/>), each shown
    /// <paramref name="delayMs"/> (0 to <see cref="Gif.MaxDelayMs"/>, for both formats).
    /// </summary>
    public static AnimationWriter Create(string path, AnimationFormat format, int width, int height, int frameCount, int delayMs, int zoom = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(zoom, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)width * zoom * height * zoom, MaxFramePixels, "frame pixels");
        var (full, temporary) = AtomicFile.Prepare(path);
        if (format == AnimationFormat.Mp4)
            return new AnimationWriter(full, temporary, null, new Mp4Encoder(temporary, width, height, Math.Max(1, delayMs), zoom), width, height);
        FileStream file;
        try { file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16); }
        catch (UnauthorizedAccessException e) { throw new UserError($"'{path}': cannot write ({e.Message})"); }
        try
        {
            IAnimationEncoder encoder = format == AnimationFormat.Gif
                ? new GifEncoder(file, width, height, delayMs, zoom)
                : new Png.AnimatedEncoder(file, width, height, frameCount, delayMs, zoom);
            return new AnimationWriter(full, temporary, file, encoder, width, height);
        }
        catch
        {
            file.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Encodes a frame [C,H,W] in [-1, 1] (C = 1 or 3) at the animation's size.</summary>
    public void Add(Tensor frame)
    {
        if (frame.dim() != 3 || frame.shape[1] != height || frame.shape[2] != width)
            throw new ArgumentException($"frame [{string.Join(",", frame.shape)}] is not [C,{height},{width}]");
        encoder.Add(ImageFile.ToBytes(frame.shape[0] == 1 ? frame.expand(3, -1, -1) : frame));
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    public void Commit()
    {
        encoder.Finish();
        file?.Dispose();
        try { File.Move(temporary, full, overwrite: true); }
        catch (UnauthorizedAccessException e) { throw new UserError($"'{full}': cannot write ({e.Message})"); }
        committed = true;
    }

    public void Dispose()
    {
        file?.Dispose();
        (encoder as IDisposable)?.Dispose();
        if (!committed && File.Exists(temporary)) File.Delete(temporary);
    }
}
