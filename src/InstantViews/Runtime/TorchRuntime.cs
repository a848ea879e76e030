using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Runtime;

/// <summary>Loads libtorch once, turns loader failures into one readable paragraph, and applies device/threads/seed.</summary>
public static class TorchRuntime
{
    static bool loaded;

    /// <summary>Loads the native libraries; throws <see cref="UserError"/> with a fix-it paragraph when they cannot load.</summary>
    public static void EnsureLoaded()
    {
        if (loaded) return;
        try
        {
            using var probe = torch.ones(1);
            loaded = true;
        }
        catch (Exception e) when (e is not UserError)
        {
            throw new UserError(NativeFailureMessage(e));
        }
    }

    /// <summary>The paragraph shown when libtorch cannot load: what is missing, who has it, how to fix it.</summary>
    public static string NativeFailureMessage(Exception e)
    {
        var detail = Flatten(e);
        if (detail.Contains("GLIBCXX", StringComparison.Ordinal) || !SystemHasGlibcxx332())
            return "InstantViews cannot load libtorch: the system libstdc++ lacks GLIBCXX_3.4.32 (GCC 13 or newer), " +
                   "which TorchSharp's native library needs. Debian 13, Ubuntu 24.04 and Fedora 39+ have it; Debian 12 " +
                   "and Ubuntu 22.04 do not. Fix: run `sudo ./scripts/setup` from the InstantViews checkout (on Debian 12 " +
                   "it installs libstdc++6 from Debian 13 at a low pin), or install libstdc++6 from GCC 13+ by hand. " +
                   $"Loader said: {FirstLine(detail)}";
        return "InstantViews cannot load libtorch (TorchSharp's native libraries). The TorchSharp-cpu package " +
               "ships them for linux-x64, win-x64 and osx-arm64; make sure the build output contains libtorch.so and " +
               "libLibTorchSharp.so (re-run `./scripts/setup`). " + $"Loader said: {FirstLine(detail)}";
    }

    static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException) parts.Add(x.Message);
        return string.Join(" | ", parts);
    }

    static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>True when a system libstdc++ exports GLIBCXX_3.4.32.</summary>
    public static bool SystemHasGlibcxx332()
    {
        if (!OperatingSystem.IsLinux()) return true;
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        ];
        var needle = "GLIBCXX_3.4.32"u8.ToArray();
        foreach (var path in candidates)
        {
            if (!File.Exists(path)) continue;
            if (File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0) return true;
        }
        return false;
    }

    /// <summary>Resolves the --device option. CUDA is accepted only when the loaded TorchSharp build has it.</summary>
    public static Device ParseDevice(string name)
    {
        EnsureLoaded();
        switch (name.Trim().ToLowerInvariant())
        {
            case "cpu":
                return CPU;
            case var s when s.StartsWith("cuda", StringComparison.Ordinal):
                if (!torch.cuda.is_available())
                    throw new UserError($"device '{name}' requested, but this build has no CUDA support (TorchSharp-cpu); " +
                                        "reference TorchSharp-cuda-linux instead of TorchSharp-cpu, or use --device cpu.");
                return torch.device(s);
            default:
                throw new UserError($"unknown device '{name}': use cpu or cuda[:index].");
        }
    }

    /// <summary>Sets intra-op threads (0 = all cores) and returns the number in effect.</summary>
    public static int SetThreads(int threads)
    {
        EnsureLoaded();
        if (threads < 0) throw new UserError($"threads must be >= 0 (0 = all cores), got {threads}");
        var n = threads == 0 ? Environment.ProcessorCount : threads;
        torch.set_num_threads(n);
        return n;
    }

    /// <summary>Vector instruction sets the CPU offers, as libtorch would use them.</summary>
    public static string CpuFeatures()
    {
        var f = new List<string>();
        if (Sse42.IsSupported) f.Add("SSE4.2");
        if (Avx.IsSupported) f.Add("AVX");
        if (Avx2.IsSupported) f.Add("AVX2");
        if (Fma.IsSupported) f.Add("FMA");
        if (Avx512F.IsSupported) f.Add("AVX-512F");
        if (Avx512BW.IsSupported) f.Add("AVX-512BW");
        if (AvxVnni.IsSupported) f.Add("AVX-VNNI");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) f.Add("NEON");
        return f.Count == 0 ? "none detected" : string.Join(" ", f);
    }

    /// <summary>Measures the fp32 matmul rate (GFLOP/s) on 1024x1024 matrices for about <paramref name="seconds"/>.</summary>
    public static double MeasureMatmulGflops(double seconds = 1.0, int n = 1024)
    {
        EnsureLoaded();
        using var noGrad = torch.no_grad();
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        using (var warm = a.matmul(b)) { }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long reps = 0;
        while (sw.Elapsed.TotalSeconds < seconds || reps < 2)
        {
            using var c = a.matmul(b);
            reps++;
        }
        return 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>The libtorch version bundled with this build, read from the application's dependency manifest.</summary>
    public static string LibTorchVersion()
    {
        foreach (var deps in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.deps.json"))
        {
            var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(deps), "\"libtorch-[a-z0-9-]+/([0-9][^\"]*)\"");
            if (m.Success) return m.Groups[1].Value;
        }
        return "unknown (no libtorch package in the dependency manifest)";
    }
}
