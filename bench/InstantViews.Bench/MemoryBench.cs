using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InstantViews.Runtime;

namespace InstantViews.Bench;

/// <summary>
/// Peak resident memory of whole commands: each runs as a child process of the given program while its
/// /proc/PID/status high-water mark (VmHWM) is read every 10 ms; the last reading before it exits is its peak.
/// </summary>
static class MemoryBench
{
    public static void Run(string program, string json, IReadOnlyList<string> commands)
    {
        var rows = new JsonArray();
        foreach (var command in commands)
        {
            var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var (peakKb, seconds, exit) = Measure(program, args);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{peakKb / 1048576.0,6:0.00} GB  {seconds,7:0.0} s  exit {exit}  {command}"));
            if (exit != 0) throw new UserError($"'{command}' exited with {exit}");
            rows.Add(new JsonObject { ["command"] = command, ["peak_rss_kb"] = peakKb, ["peak_rss_gb"] = Math.Round(peakKb / 1048576.0, 2), ["seconds"] = Math.Round(seconds, 1) });
        }
        var results = new JsonObject
        {
            ["benchmark"] = "memory",
            ["cores"] = Environment.ProcessorCount,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["rows"] = rows,
        };
        BenchJson.Write(json, results);
        Console.WriteLine($"wrote {json}");
    }

    static (long PeakKb, double Seconds, int Exit) Measure(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (program.EndsWith(".dll", StringComparison.Ordinal)) { info.FileName = "dotnet"; info.ArgumentList.Add(program); }
        foreach (var a in args) info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new UserError($"cannot start '{program}'");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) Console.Error.WriteLine($"  {l}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        var status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(10))
            peak = Math.Max(peak, HighWaterKb(status));
        return (peak, clock.Elapsed.TotalSeconds, process.ExitCode);
    }

    // VmHWM of a live process in kB (0 once it has gone).
    static long HighWaterKb(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }
}
