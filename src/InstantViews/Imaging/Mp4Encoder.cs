using System.Diagnostics;
using InstantViews.Runtime;

namespace InstantViews.Imaging;

/// <summary>
/// Encodes an H.264 MP4 (yuv420p, the profile every player takes) by piping raw RGB frames to ffmpeg, which writes
/// <c>path</c>. Frames are enlarged <c>zoom</c> times (nearest) and padded by one pixel where a side is odd (4:2:0
/// needs even sides). ffmpeg is <c>INSTANTVIEWS_FFMPEG</c> or the <c>ffmpeg</c> on PATH.
/// </summary>
public sealed class Mp4Encoder : IAnimationEncoder, IDisposable
{
    readonly Process process;
    readonly Stream input;
    readonly int width, height;
    readonly Task<string> errors;
    bool finished;

    public Mp4Encoder(string path, int width, int height, int delayMs, int zoom = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(zoom, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(delayMs, 1);
        (this.width, this.height) = (width, height);
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-framerate", $"1000/{delayMs}", "-i", "-",
            "-vf", $"scale=iw*{zoom}:ih*{zoom}:flags=neighbor,pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", path,
        }) start.ArgumentList.Add(a);
        try { process = Process.Start(start) ?? throw new UserError("ffmpeg did not start"); }
        catch (System.ComponentModel.Win32Exception) { throw new UserError(Missing); }
        input = process.StandardInput.BaseStream;
        errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    const string Missing = "MP4 needs ffmpeg, which was not found: install it (Debian/Ubuntu: apt-get install ffmpeg; ./scripts/setup does) or set INSTANTVIEWS_FFMPEG to its path";

    /// <summary>The ffmpeg executable: INSTANTVIEWS_FFMPEG, else "ffmpeg" from PATH.</summary>
    public static string Executable() => Environment.GetEnvironmentVariable("INSTANTVIEWS_FFMPEG") is { Length: > 0 } e ? e : "ffmpeg";

    /// <summary>Throws the one-line error for a missing ffmpeg (before any work whose output would be an MP4).</summary>
    public static void Require()
    {
        if (!Available()) throw new UserError(Missing);
    }

    /// <summary>True when ffmpeg can be started (for callers that offer MP4 only where it works).</summary>
    public static bool Available()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Executable(), "-version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return false;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    public void Add(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"expected {width}x{height} RGB bytes, got {rgb.Length}");
        try { input.Write(rgb); }
        catch (IOException) { throw Failed(); }
    }

    /// <summary>Closes ffmpeg's input and waits for it to write the file; a failure is a one-line error with ffmpeg's message.</summary>
    public void Finish()
    {
        finished = true;
        try { input.Dispose(); }
        catch (IOException) { throw Failed(); }
        process.WaitForExit();
        if (process.ExitCode != 0) throw Failed();
    }

    UserError Failed()
    {
        process.WaitForExit(10_000);
        var message = errors.Wait(1000) ? errors.Result.Trim().Split('\n').LastOrDefault()?.Trim() : null;
        return new UserError($"ffmpeg could not write the MP4 ({(string.IsNullOrEmpty(message) ? $"exit code {(process.HasExited ? process.ExitCode : -1)}" : message)})");
    }

    /// <summary>Stops ffmpeg if the file was not finished (an error part-way).</summary>
    public void Dispose()
    {
        if (!finished && !process.HasExited)
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            process.WaitForExit();
        }
        process.Dispose();
    }
}
