using System.Globalization;
using System.Text;
using InstantViews.Runtime;

namespace InstantViews.Scenes;

/// <summary>
/// The <c>calib.txt</c> of a rectified pair in the Middlebury 2014 layout: <c>cam0=[f 0 cx; 0 f cy; 0 0 1]</c>,
/// <c>cam1=[...]</c> (pixels; cx, cy with the top-left pixel's centre at 0, 0), <c>doffs</c> = cx1 - cx0,
/// <c>baseline</c> in millimetres, <c>width</c>, <c>height</c>, and the optional <c>ndisp</c>, <c>isint</c>,
/// <c>vmin</c>, <c>vmax</c>, <c>dyavg</c>, <c>dymax</c>. Depth is baseline * f / (d + doffs).
/// </summary>
public sealed record StereoCalibration(double[,] Cam0, double[,] Cam1, double Doffs, double BaselineMm, int Width, int Height)
{
    public const string FileName = "calib.txt";

    /// <summary>The optional keys, as written (ndisp, isint, vmin, vmax, dyavg, dymax or any other), in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];

    /// <summary>The left camera's focal length in pixels (the f of depth = baseline * f / (d + doffs)).</summary>
    public double Focal => Cam0[0, 0];

    public double BaselineMetres => BaselineMm / 1000;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Reads and checks a calib.txt; every problem is a <see cref="UserError"/> naming the file.</summary>
    public static StereoCalibration Read(string path)
    {
        if (Directory.Exists(path)) throw new UserError($"'{path}': a folder, not a calib.txt file");
        if (!File.Exists(path)) throw new UserError($"'{path}': file not found");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses calib.txt text; <paramref name="name"/> names it in errors.</summary>
    public static StereoCalibration Parse(string text, string name)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new UserError($"'{name}': line {lineNumber} is not key=value: '{Short(line)}'");
            var key = line[..eq].Trim();
            if (!values.TryAdd(key, line[(eq + 1)..].Trim())) throw new UserError($"'{name}': '{Short(key)}' is given twice");
            order.Add(key);
        }
        string Required(string key) => values.TryGetValue(key, out var v) ? v : throw new UserError($"'{name}': no '{key}=' line");
        double Number(string key)
        {
            var text = Required(key);
            if (!double.TryParse(text, NumberStyles.Float, Inv, out var v)) throw new UserError($"'{name}': {key}={Short(text)} is not a number");
            if (!double.IsFinite(v)) throw new UserError($"'{name}': {key}={Short(text)} is not finite");
            return v;
        }
        int Size(string key)
        {
            var text = Required(key);
            return int.TryParse(text, NumberStyles.None, Inv, out var v) && v > 0 ? v : throw new UserError($"'{name}': {key}={Short(text)} is not a positive whole number");
        }
        var cam0 = Matrix(Required("cam0"), "cam0", name);
        var cam1 = Matrix(Required("cam1"), "cam1", name);
        var doffs = Number("doffs");
        var baseline = Number("baseline");
        if (baseline <= 0) throw new UserError($"'{name}': baseline={baseline.ToString(Inv)} must be positive (millimetres)");
        var calibration = new StereoCalibration(cam0, cam1, doffs, baseline, Size("width"), Size("height"))
        {
            Extra = order.Where(k => k is not ("cam0" or "cam1" or "doffs" or "baseline" or "width" or "height"))
                .Select(k => KeyValuePair.Create(k, values[k])).ToList(),
        };
        calibration.Check(name);
        return calibration;
    }

    /// <summary>
    /// Checks what the pair's geometry relies on: positive finite focal lengths, finite principal points, the same
    /// focal lengths and cy in both cameras (rectified), doffs = cx1 - cx0, a positive finite baseline, a positive size.
    /// </summary>
    public void Check(string name)
    {
        foreach (var (k, m) in new[] { ("cam0", Cam0), ("cam1", Cam1) })
        {
            if (m.GetLength(0) != 3 || m.GetLength(1) != 3) throw new UserError($"'{name}': {k} must be 3x3");
            foreach (var v in m) if (!double.IsFinite(v)) throw new UserError($"'{name}': {k} has a value that is not finite");
            if (m[0, 0] <= 0 || m[1, 1] <= 0) throw new UserError($"'{name}': {k} focal lengths {F(m[0, 0])}, {F(m[1, 1])} must be positive (pixels)");
            if (m[0, 1] != 0 || m[1, 0] != 0 || m[2, 0] != 0 || m[2, 1] != 0 || m[2, 2] != 1)
                throw new UserError($"'{name}': {k} must have the form [f 0 cx; 0 f cy; 0 0 1]");
        }
        if (!Same(Cam0[0, 0], Cam1[0, 0]) || !Same(Cam0[1, 1], Cam1[1, 1]) || !Same(Cam0[1, 2], Cam1[1, 2]))
            throw new UserError($"'{name}': cam0 and cam1 differ in focal length or cy, so the pair is not rectified");
        if (!double.IsFinite(Doffs)) throw new UserError($"'{name}': doffs is not finite");
        if (Math.Abs(Cam1[0, 2] - Cam0[0, 2] - Doffs) > 0.01)
            throw new UserError($"'{name}': doffs={F(Doffs)} but cam1's cx - cam0's cx = {F(Cam1[0, 2] - Cam0[0, 2])} (they must agree)");
        if (!double.IsFinite(BaselineMm) || BaselineMm <= 0) throw new UserError($"'{name}': baseline={F(BaselineMm)} must be positive (millimetres)");
        if (Width < 1 || Height < 1) throw new UserError($"'{name}': size {Width}x{Height} is empty");
    }

    /// <summary>The file's text, Middlebury's order and notation, numbers that read back to the same doubles.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        sb.Append(Inv, $"cam0={FormatMatrix(Cam0)}\n");
        sb.Append(Inv, $"cam1={FormatMatrix(Cam1)}\n");
        sb.Append(Inv, $"doffs={F(Doffs)}\n");
        sb.Append(Inv, $"baseline={F(BaselineMm)}\n");
        sb.Append(Inv, $"width={Width}\n");
        sb.Append(Inv, $"height={Height}\n");
        foreach (var (k, v) in Extra) sb.Append(Inv, $"{k}={v}\n");
        return sb.ToString();
    }

    /// <summary>The intrinsics [f 0 cx; 0 f cy; 0 0 1] of a rectified camera.</summary>
    public static double[,] Intrinsics(double f, double cx, double cy) => new[,] { { f, 0, cx }, { 0, f, cy }, { 0, 0, 1 } };

    static double[,] Matrix(string text, string key, string name)
    {
        var t = text.Trim();
        if (!t.StartsWith('[') || !t.EndsWith(']')) throw new UserError($"'{name}': {key}={Short(t)} is not a matrix [a b c; d e f; g h i]");
        var rows = t[1..^1].Split(';');
        var m = new double[3, 3];
        if (rows.Length != 3) throw new UserError($"'{name}': {key} has {rows.Length} rows, expected 3");
        for (int r = 0; r < 3; r++)
        {
            var cells = rows[r].Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length != 3) throw new UserError($"'{name}': {key} row {r + 1} has {cells.Length} values, expected 3");
            for (int c = 0; c < 3; c++)
                if (!double.TryParse(cells[c], NumberStyles.Float, Inv, out m[r, c]))
                    throw new UserError($"'{name}': {key} value '{Short(cells[c])}' is not a number");
        }
        return m;
    }

    static string FormatMatrix(double[,] m) =>
        $"[{F(m[0, 0])} {F(m[0, 1])} {F(m[0, 2])}; {F(m[1, 0])} {F(m[1, 1])} {F(m[1, 2])}; {F(m[2, 0])} {F(m[2, 1])} {F(m[2, 2])}]";

    static string F(double v) => v.ToString("R", Inv);

    static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    static string Short(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
