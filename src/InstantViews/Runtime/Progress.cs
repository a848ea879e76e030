using System.Diagnostics;
using Spectre.Console;

namespace InstantViews.Runtime;

/// <summary>
/// The one progress reporter for long work: a Spectre.Console bar on an interactive terminal, plain periodic
/// lines with rate and ETA when output is redirected or CI is set, nothing when quiet.
/// </summary>
public sealed class Progress : IDisposable
{
    /// <summary>Global switch set by the CLI's --quiet.</summary>
    public static bool Quiet { get; set; }

    /// <summary>Seconds between plain lines.</summary>
    public static double PlainInterval { get; set; } = 10;

    readonly string label;
    readonly long total;
    readonly string unit;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly Thread? barThread;
    readonly bool plain;
    long done;
    string status = "";
    double lastLine;
    volatile bool finished;

    Progress(string label, long total, string unit)
    {
        this.label = label;
        this.total = total;
        this.unit = unit;
        if (Quiet) return;
        plain = Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) || !AnsiConsole.Profile.Capabilities.Interactive;
        if (!plain)
        {
            barThread = new Thread(RunBar) { IsBackground = true, Name = "progress" };
            barThread.Start();
        }
    }

    /// <summary>Starts reporting <paramref name="total"/> units of work (0 = unknown total).</summary>
    public static Progress Start(string label, long total, string unit = "items") => new(label, total, unit);

    public long Done => Interlocked.Read(ref done);

    /// <summary>Adds finished units and optionally replaces the status text (e.g. the current loss).</summary>
    public void Advance(long n = 1, string? newStatus = null)
    {
        Interlocked.Add(ref done, n);
        if (newStatus is not null) status = newStatus;
        if (plain && !Quiet)
        {
            var t = clock.Elapsed.TotalSeconds;
            if (t - lastLine >= PlainInterval) { lastLine = t; Console.WriteLine(Line()); }
        }
    }

    /// <summary>Units per second so far.</summary>
    public double Rate => Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);

    string Line()
    {
        var d = Done;
        var eta = total > 0 && d > 0 ? TimeSpan.FromSeconds((total - d) / Rate) : (TimeSpan?)null;
        var of = total > 0 ? $"/{total}" : "";
        var etaText = eta is { } e ? $", ETA {e:hh\\:mm\\:ss}" : "";
        var st = status.Length > 0 ? $", {status}" : "";
        return $"{label}: {d}{of} {unit}, {Rate:0.##} {unit}/s{etaText}{st}";
    }

    void RunBar()
    {
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: Math.Max(total, 1));
                if (total <= 0) task.IsIndeterminate = true;
                while (!finished)
                {
                    task.Value = Done;
                    task.Description = status.Length > 0 ? $"{label} [grey]{Markup.Escape(status)}[/]" : label;
                    Thread.Sleep(100);
                }
                task.Value = Done;
                task.StopTask();
            });
    }

    public void Dispose()
    {
        if (finished) return;
        finished = true;
        barThread?.Join();
        if (plain && !Quiet) Console.WriteLine(Line() + $", done in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
