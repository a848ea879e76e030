using System.Diagnostics;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Imaging;

/// <summary>MP4 through ffmpeg (installed by scripts/setup); read back with ffprobe and ffmpeg.</summary>
public class Mp4EncoderTests
{
    public Mp4EncoderTests() => TestTorch.Init();

    static string Run(string exe, params string[] args)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }

    [Fact]
    public void An_mp4_has_every_frame_at_an_even_size_in_h264_and_the_pictures_survive()
    {
        Assert.True(Mp4Encoder.Available(), "ffmpeg is missing: ./scripts/setup installs it");
        using var dir = new TempDir();
        var path = dir.File("clip.mp4");
        // Smooth frames (H.264 is lossy): a gradient that moves one step per frame; 33x17 enlarged twice is 66x34.
        var frames = Enumerable.Range(0, 5).Select(i =>
        {
            var x = linspace(-1, 1, 33).view(1, 1, -1).expand(3, 17, 33);
            var y = linspace(-1, 1, 17).view(1, -1, 1).expand(3, 17, 33);
            return (x * 0.7 + y * 0.2 + i * 0.05).clamp(-1, 1).contiguous();
        }).ToList();
        using (var writer = AnimationWriter.Create(path, AnimationFormat.Mp4, 33, 17, frames.Count, delayMs: 40, zoom: 2))
        {
            foreach (var f in frames) writer.Add(f);
            Assert.False(File.Exists(path));
            writer.Commit();
        }
        var probe = Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,pix_fmt,nb_read_frames,avg_frame_rate", "-of", "default=noprint_wrappers=1", path);
        Assert.Contains("codec_name=h264", probe);
        Assert.Contains("width=66", probe);
        Assert.Contains("height=34", probe);
        Assert.Contains("pix_fmt=yuv420p", probe);
        Assert.Contains("nb_read_frames=5", probe);
        Assert.Contains("avg_frame_rate=25/1", probe);
        // The first frame decoded back, against the frame enlarged: H.264 at CRF 18 keeps a smooth gradient.
        Run("ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", dir.File("f0.rgb"));
        var decoded = File.ReadAllBytes(dir.File("f0.rgb"));
        var expected = ImageFile.ToBytes(Resize.To(frames[0], 34, 66, ResizeFilter.Nearest));
        Assert.Equal(expected.Length, decoded.Length);
        var psnr = 10 * Math.Log10(255.0 * 255 / decoded.Zip(expected, (a, b) => (double)(a - b) * (a - b)).Average());
        Assert.True(psnr > 30, $"first frame {psnr:0.0} dB");
    }

    [Fact]
    public void An_unfinished_mp4_leaves_nothing_and_a_missing_ffmpeg_is_a_one_line_error()
    {
        using var dir = new TempDir();
        using (var writer = AnimationWriter.Create(dir.File("a.mp4"), AnimationFormat.Mp4, 16, 16, 2, 100))
            writer.Add(zeros(3, 16, 16));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        var old = Environment.GetEnvironmentVariable("INSTANTVIEWS_FFMPEG");
        try
        {
            Environment.SetEnvironmentVariable("INSTANTVIEWS_FFMPEG", dir.File("no-such-ffmpeg"));
            var e = Assert.Throws<UserError>(() => AnimationWriter.Create(dir.File("b.mp4"), AnimationFormat.Mp4, 16, 16, 2, 100));
            Assert.Contains("ffmpeg", e.Message);
            Assert.DoesNotContain("\n", e.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        }
        finally { Environment.SetEnvironmentVariable("INSTANTVIEWS_FFMPEG", old); }
    }
}
