using System.Globalization;
using InstantViews.Imaging;

namespace InstantViews.Training;

/// <summary>The loss log of a training run: a CSV (one row per logged step) and a PNG plot of it.</summary>
public sealed class LossLog(string csvPath, string header)
{
    public string CsvPath { get; } = csvPath;

    /// <summary>
    /// Drops rows after <paramref name="step"/> (a resumed run re-logs them) and ensures the header. A log written with
    /// other columns (an older version's) is rewritten in this header's columns, matched by name; a column it lacks is 0
    /// (the only one added so far, distillation, was 0 before it existed).
    /// </summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(CsvPath)) { File.WriteAllText(CsvPath, header + "\n"); return; }
        var lines = File.ReadAllLines(CsvPath);
        var rows = lines.Skip(1).Where(l => l.Length > 0 && long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture) <= step);
        if (lines.Length > 0 && lines[0] != header)
        {
            var old = lines[0].Split(',').Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
            var columns = header.Split(',');
            rows = rows.Select(l => l.Split(',')).Select(v => string.Join(",", columns.Select(c => old.TryGetValue(c, out var i) && i < v.Length ? v[i] : "0"))).ToList();
        }
        AtomicFile.WriteText(CsvPath, string.Join("\n", rows.Prepend(header)) + "\n");
    }

    public void Append(params double[] values) =>
        File.AppendAllText(CsvPath, string.Join(",", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture))) + "\n");

    /// <summary>Plots one column against the first (step), with a moving average, as a PNG.</summary>
    public void Plot(string pngPath, int column = 1, string title = "training loss")
    {
        if (!File.Exists(CsvPath)) return;
        var rows = File.ReadAllLines(CsvPath).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToList();
        if (rows.Count < 2) return;
        var xs = rows.Select(r => r[0]).ToArray();
        var ys = rows.Select(r => r[column]).ToArray();
        var win = Math.Max(1, ys.Length / 20);
        var smooth = ys.Select((_, i) => ys[Math.Max(0, i - win + 1)..(i + 1)].Average()).ToArray();
        var plt = new ScottPlot.Plot();
        var raw = plt.Add.Scatter(xs, ys);
        raw.MarkerSize = 0;
        raw.LineWidth = 1;
        raw.LegendText = "per log step";
        var avg = plt.Add.Scatter(xs, smooth);
        avg.MarkerSize = 0;
        avg.LineWidth = 2;
        avg.LegendText = $"moving average ({win})";
        plt.Title(title);
        plt.XLabel("step");
        plt.YLabel(header.Split(',')[column]);
        plt.ShowLegend();
        AtomicFile.Write(pngPath, plt.GetImageBytes(900, 450, ScottPlot.ImageFormat.Png));
    }
}
