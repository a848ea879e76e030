using System.Diagnostics;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

/// <summary>
/// Real child processes of the built CLI killed with SIGKILL in the middle of a checkpoint save, then resumed: the
/// final training state (model, EMA, optimiser moments, generator state) must equal an uninterrupted run's bit for
/// bit, and the killed save's temporary file must be gone.
/// </summary>
[Collection("console")]
public class KillResumeTests
{
    public KillResumeTests() => TestTorch.Init();

    static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "InstantViews.Cli.dll");

    static Process Start(string[] args, int saveDelayMs = 0)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        if (saveDelayMs > 0) info.Environment["INSTANTVIEWS_SAVE_DELAY_MS"] = saveDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Process.Start(info)!;
    }

    static void RunToEnd(string[] args)
    {
        using var p = Start(args);
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "timed out");
        Assert.True(p.ExitCode == 0, err.Result);
    }

    /// <summary>Starts the run, kills it (SIGKILL) while its second checkpoint save is between write and rename, resumes it.</summary>
    static void KillDuringSaveThenResume(string[] args, string dir)
    {
        using (var p = Start(args, saveDelayMs: 3000))
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            // The first save has landed and the next one's temporary file is on disk: kill now.
            while (!(File.Exists(Path.Combine(dir, "checkpoint.safetensors")) && Directory.Exists(dir)
                     && Directory.EnumerateFiles(dir, ".checkpoint.safetensors.*.tmp").Any()))
            {
                Assert.False(p.HasExited, "the run ended before it could be killed");
                Assert.True(clock.Elapsed.TotalSeconds < 120, "no checkpoint save seen");
                Thread.Sleep(20);
            }
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        Assert.NotEmpty(Directory.EnumerateFiles(dir, ".*.tmp"));
        Assert.True(Checkpoint.ReadHeader(Path.Combine(dir, "checkpoint.safetensors")).Step > 0);
        RunToEnd([.. args, "--resume"]);
        Assert.Empty(Directory.EnumerateFiles(dir, ".*.tmp"));
    }

    static void AssertSameState(string a, string b)
    {
        foreach (var file in new[] { "checkpoint.safetensors", "model.safetensors" })
        {
            var (ha, ta) = Checkpoint.ReadAll(Path.Combine(a, file));
            var (hb, tb) = Checkpoint.ReadAll(Path.Combine(b, file));
            Assert.Equal(ha.Step, hb.Step);
            Assert.Equal(ta.Select(t => t.Key), tb.Select(t => t.Key));
            var other = tb.ToDictionary(t => t.Key, t => t.Value);
            foreach (var (name, t) in ta) Assert.True(TensorAssert.Same(t, other[name]), $"{file}: {name}");
        }
    }

    void Check(Func<string, string[]> args)
    {
        using var dir = new TempDir();
        var (straight, killed) = (dir.File("straight"), dir.File("killed"));
        RunToEnd(args(straight));
        KillDuringSaveThenResume(args(killed), killed);
        AssertSameState(straight, killed);
    }

    static readonly string[] Common = ["--steps", "6", "--checkpoint-every", "2", "--threads", "1", "--seed", "5", "-q"];

    [Fact]
    public void Diffusion_on_streamed_scenes_resumes_bit_for_bit_after_a_kill_during_a_save() =>
        Check(o => ["diffusion", "train", "--data", "scenes", "--resolution", "8", "--config", "tiny", "--batch", "4", "--out", o, .. Common]);

    [Fact]
    public void Diffusion_on_an_image_folder_resumes_bit_for_bit_after_a_kill_during_a_save()
    {
        using var images = new TempDir();
        var g = new TorchSharp.torch.Generator(3);
        for (int i = 0; i < 6; i++) ImageFile.Write(images.File($"im{i}.png"), rand(new long[] { 3, 8, 8 }, generator: g) * 2 - 1);
        Check(o => ["diffusion", "train", "--data", images.Path, "--resolution", "8", "--config", "tiny", "--batch", "4", "--out", o, .. Common]);
    }

    [Fact]
    public void GenWarp_on_scene_pairs_resumes_bit_for_bit_after_a_kill_during_a_save() =>
        Check(o => ["genwarp", "train", "--resolution", "8", "--channels", "8", "--attention-resolutions", "4", "--batch", "2", "--spp", "1", "--sample-every", "0", "--out", o, .. Common]);
}
