using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace InstantViews.Bench;

/// <summary>
/// Tables in the docs made from their data files, so they cannot drift: a table sits between
/// <c>&lt;!-- table KIND FILE --&gt;</c> and <c>&lt;!-- /table --&gt;</c>, FILE relative to the repository, and
/// <see cref="Update"/> writes what the data file gives. `bench tables` rewrites them; a test fails when one differs.
/// </summary>
public static partial class ResultTables
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [GeneratedRegex(@"<!-- table (?<kind>[\w-]+) (?<file>\S+) -->\n(?<table>.*?)<!-- /table -->", RegexOptions.Singleline)]
    private static partial Regex Marked();

    /// <summary>The markdown files that may hold tables: README, docs/ and the model cards.</summary>
    public static IEnumerable<string> Documents(string root) =>
        new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md"))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "models"), "*.md"));

    /// <summary>The markdown with every marked table rewritten from its data file.</summary>
    public static string Update(string markdown, string root) =>
        Marked().Replace(markdown, m => $"<!-- table {m.Groups["kind"].Value} {m.Groups["file"].Value} -->\n{Render(m.Groups["kind"].Value, string.Join(';', m.Groups["file"].Value.Split(';').Select(f => Path.Combine(root, f))))}<!-- /table -->");

    /// <summary>The documents whose tables differ from their data files (after <see cref="Update"/> they do not).</summary>
    public static List<string> Drifted(string root) =>
        Documents(root).Where(f => File.ReadAllText(f) is var text && Update(text, root) != text).ToList();

    /// <summary>The table of one kind from one data file.</summary>
    public static string Render(string kind, string file) => kind switch
    {
        // FILE[?depth=NAME]: the rows (of that depth source).
        "stereo" => Stereo(ReadCsv(DataFile(file)), Options(Query(file)).GetValueOrDefault("depth")),
        "stereo-depth" => StereoDepth(ReadCsv(file)),
        // A grid of far-side settings (set, far_side, reach, scores in the holes): one row per setting, one column pair per set.
        "far-side" => FarSide(ReadCsv(file)),
        // FILE?[fill=NAME&]label=TEXT;...: each run's share of the view seen and of its holes enclosed.
        "holes" => Holes(Runs(file)),
        // FILE?label=TEXT;...: `eval stereo --truth-rows` runs, one per composition: each model beside the truth at its size.
        "headroom" => Headroom(Runs(file)),
        // Fills on several sets (set, fill, scores in the holes): one row per fill, one column pair per set.
        "by-set" => BySet(ReadCsv(file)),
        "depth-pairs" => DepthPairs(ReadCsv(file)),
        "depth-eval" => DepthEval(ReadCsv(file)),
        "lift" => Lift(ReadJson(file)),
        "guidance" => Guidance(ReadCsv(file)),
        "growth" => Growth(file.Split(';').Select(ReadJson).ToList()),
        // FILE;FILE...?QUERY: the rows of every file in order (a method's first row wins in a card).
        "genwarp-eval" => GenWarpEval(DataFile(file).Split(';').SelectMany(ReadCsv).ToList(), Query(file)),
        "consistency" => Consistency(ReadJson(file)),
        "viewer" => Viewer(ReadJson(file)),
        "onestep" => OneStep(ReadJson(file)),
        // The ablation's CSV, then pagoda-quality.csv for the teacher's row.
        "pagoda-ablation" => PagodaAblation(ReadCsv(file.Split(';')[0]), ReadCsv(file.Split(';')[1])),
        "pagoda-upscale" => PagodaUpscale(ReadCsv(file)),
        "mutation" => Mutation(ReadJson(file)),
        "inversion-field" => InversionField(ReadCsv(file)),
        "memory" => Memory(ReadJson(file)),
        "warp" => Warp(ReadJson(file)),
        "diffusion" => Diffusion(ReadJson(file)),
        "metrics" => Metrics(ReadJson(file)),
        // FILE?label=TEXT;...: each model's rows.
        "geometry" => Geometry(Labelled(file)),
        "stereo-pairs" => StereoPairs(file.Split(';').Select(ReadJson).ToList()),
        "depth-edges" => DepthEdges(ReadCsv(file)),
        // Runs side by side, each FILE?label=TEXT (the column's heading).
        "scenes" => Scenes(Labelled(file)),
        // FILE?label=TEXT;...: one row per run.
        "viewer-runs" => ViewerRuns(Labelled(file)),
        "viewer-stages" => ViewerStages(file.Split(';').Select(ReadJson).ToList()),
        "pagoda-quality" => PagodaQuality(ReadCsv(DataFile(file)), Query(file)),
        _ => throw new InvalidOperationException($"unknown table kind '{kind}' (for {file})"),
    };

    static List<Dictionary<string, string>> ReadCsv(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"'{file}': the table's data file is missing", file);
        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
        var header = Fields(lines[0]);
        return lines.Skip(1).Select(l => header.Zip(Fields(l), (h, v) => (h, v)).ToDictionary(p => p.h, p => p.v)).ToList();
    }

    /// <summary>A CSV line's fields; a field in double quotes may hold commas ("" is a quote).</summary>
    static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted && ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (ch == '"') quoted = !quoted;
            else if (ch == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        fields.Add(field.ToString());
        return fields;
    }

    /// <summary>FILE?label=TEXT;...: each JSON file with its label (URL-encoded in the marker).</summary>
    static List<(System.Text.Json.Nodes.JsonNode Run, string Label)> Labelled(string files) =>
        [.. files.Split(';').Select(f => (ReadJson(f.Split('?')[0]), Uri.UnescapeDataString(f.Split("?label=")[1])))];

    static System.Text.Json.Nodes.JsonNode ReadJson(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"'{file}': the table's data file is missing", file);
        return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!;
    }

    /// <summary>A number as a cell: "inf" for infinity, "-" for NaN (no score, e.g. SSIM of a region with no window centre).</summary>
    static string N(string value, string format) =>
        double.TryParse(value, NumberStyles.Float, Inv, out var v) ? double.IsPositiveInfinity(v) ? "inf" : double.IsNaN(v) ? "-" : v.ToString(format, Inv) : value;

    /// <summary>The stereo benchmark's rows (`eval stereo --csv`): whole frame, covisible and occluded pixels, seconds per view.</summary>
    static string Stereo(List<Dictionary<string, string>> rows, string? depth = null)
    {
        if (depth is not null) rows = rows.Where(r => r["depth"] == Uri.UnescapeDataString(depth)).ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| depth | fill | NFE | PSNR | SSIM | perceptual | covisible PSNR | covisible SSIM | occluded PSNR | occluded SSIM | occluded perceptual | s/view |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
            sb.AppendLine($"| {r["depth"]} | {r["fill"]} | {r["nfe"]} | {N(r["psnr"], "0.00")} | {N(r["ssim"], "0.000")} | {N(r["perceptual"], "0.000")} | " +
                $"{N(r["psnr_covisible"], "0.00")} | {N(r["ssim_covisible"], "0.000")} | {N(r["psnr_occluded"], "0.00")} | {N(r["ssim_occluded"], "0.000")} | " +
                $"{N(r["perceptual_occluded"], "0.000")} | {N(r["seconds"], "0.00")} |");
        return sb.ToString();
    }

    /// <summary>
    /// Where the holes lie, per run of `eval stereo` or `eval warpback` (its CSV's first row): the share of the view the
    /// source sees and the share of the hole pixels enclosed by seen pixels (the rest reach the frame's edge).
    /// </summary>
    static string Holes(List<(string File, List<Dictionary<string, string>> Rows, Dictionary<string, string> Query)> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| pairs | seen (covisible) | holes enclosed by seen pixels |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var (file, rows, query) in runs)
        {
            // The run's first row, or its row of the fill named (a file that holds several runs).
            var fill = query.TryGetValue("fill", out var given) ? Uri.UnescapeDataString(given) : null;
            var row = fill is not null
                ? rows.FirstOrDefault(r => r["fill"] == fill) ?? throw new InvalidOperationException($"holes table: '{file}' has no row of fill '{fill}'")
                : rows[0];
            var label = Label("holes", file, query);
            sb.AppendLine($"| {label} | {N(row["covisible_fraction"], "0.0%")} | {N(row["enclosed_holes"], "0.0%")} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// How much a model of each size could add (`eval stereo --truth-rows`, true depth): per run (a composition, its label)
    /// each model's scores in the holes beside those of the real view at the model's working size in its place, then the
    /// classical fills of the first run.
    /// </summary>
    static string Headroom(List<(string File, List<Dictionary<string, string>> Rows, Dictionary<string, string> Query)> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| composition | model | PSNR in the holes | the truth at its size | perceptual in the holes | the truth at its size |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (file, rows, query) in runs)
        {
            var label = Label("headroom", file, query);
            var byFill = rows.Where(r => r["depth"] == "true").ToDictionary(r => r["fill"]);
            var models = byFill.Keys.Where(f => byFill.ContainsKey($"truth@{f}")).ToList();
            if (models.Count == 0) throw new InvalidOperationException($"headroom table: '{file}' has no model with a truth@ row (eval stereo --truth-rows)");
            foreach (var m in models)
            {
                var (model, truth) = (byFill[m], byFill[$"truth@{m}"]);
                sb.AppendLine($"| {label} | {m} | {N(model["psnr_occluded"], "0.00")} | {N(truth["psnr_occluded"], "0.00")} | {N(model["perceptual_occluded"], "0.000")} | {N(truth["perceptual_occluded"], "0.000")} |");
            }
        }
        foreach (var fill in new[] { "harmonic", "harmonic-far" })
            if (runs[0].Rows.FirstOrDefault(r => r["depth"] == "true" && r["fill"] == fill) is { } r)
                sb.AppendLine($"| no model | {fill} | {N(r["psnr_occluded"], "0.00")} | | {N(r["perceptual_occluded"], "0.000")} | |");
        return sb.ToString();
    }

    /// <summary>Fills on several sets: one row per fill (in the file's order), PSNR and perceptual distance in the holes per set (in the order the sets first appear).</summary>
    static string BySet(List<Dictionary<string, string>> rows)
    {
        var sets = rows.Select(r => r["set"]).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| fill | {string.Join(" | ", sets.Select(s => $"{s}: PSNR in the holes | {s}: perceptual in the holes"))} |");
        sb.AppendLine($"| --- |{string.Concat(sets.Select(_ => " --- | --- |"))}");
        foreach (var fill in rows.Select(r => r["fill"]).Distinct())
        {
            var cells = sets.Select(set => rows.FirstOrDefault(r => r["set"] == set && r["fill"] == fill)
                is { } r ? $"{N(r["psnr_occluded"], "0.00")} | {N(r["perceptual_occluded"], "0.000")}" : "- | -");
            sb.AppendLine($"| {fill} | {string.Join(" | ", cells)} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The far-side grid: for each margin and reach (in the file's order; "off" is the plain harmonic fill), PSNR and
    /// perceptual distance in the holes on each set (columns in the order the sets first appear).
    /// </summary>
    static string FarSide(List<Dictionary<string, string>> rows)
    {
        var sets = rows.Select(r => r["set"]).Distinct().ToList();
        var settings = rows.Select(r => (r["far_side"], r["reach"])).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| margin | reach | {string.Join(" | ", sets.Select(s => $"{s}: PSNR in the holes | {s}: perceptual in the holes"))} |");
        sb.AppendLine($"| --- | --- |{string.Concat(sets.Select(_ => " --- | --- |"))}");
        foreach (var (margin, reach) in settings)
        {
            var cells = sets.Select(set => rows.FirstOrDefault(r => r["set"] == set && r["far_side"] == margin && r["reach"] == reach)
                is { } r ? $"{N(r["psnr_occluded"], "0.00")} | {N(r["perceptual_occluded"], "0.000")}" : "- | -");
            sb.AppendLine($"| {margin} | {reach} | {string.Join(" | ", cells)} |");
        }
        return sb.ToString();
    }

    /// <summary>A table's FILE?QUERY: the file part (before the first '?').</summary>
    static string DataFile(string file) => file.Split('?')[0];

    /// <summary>A table's FILE?QUERY: the query part (after the first '?'), or null without one.</summary>
    static string? Query(string file) => file.Contains('?') ? file[(file.IndexOf('?') + 1)..] : null;

    /// <summary>A table file's query (after '?'), KEY=VALUE&amp;... (a key alone: an empty value); the values as written, still URL-encoded.</summary>
    static Dictionary<string, string> Options(string? query) =>
        (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    /// <summary>FILE?QUERY;...: each CSV file with its rows and its query.</summary>
    static List<(string File, List<Dictionary<string, string>> Rows, Dictionary<string, string> Query)> Runs(string files) =>
        [.. files.Split(';').Select(f => f.Split('?', 2)).Select(f => (f[0], ReadCsv(f[0]), Options(f.Length > 1 ? f[1] : null)))];

    /// <summary>A run's label=TEXT (unescaped); a table of <paramref name="kind"/> without one names the file.</summary>
    static string Label(string kind, string file, Dictionary<string, string> query) =>
        query.TryGetValue("label", out var text) ? Uri.UnescapeDataString(text) : throw new InvalidOperationException($"{kind} table: '{file}' needs label=TEXT");

    /// <summary>Each estimated depth source of a stereo run against the truth.</summary>
    static string StereoDepth(List<Dictionary<string, string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| depth | AbsRel (median-scaled) | delta < 1.25 (median-scaled) | inverse depth vs disparity, correlation |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var r in rows.Where(r => r["depth_absrel"].Length > 0 && !r["depth"].EndsWith(" aligned", StringComparison.Ordinal)).DistinctBy(r => r["depth"]))
            sb.AppendLine($"| {r["depth"]} | {N(r["depth_absrel"], "0.000")} | {N(r["depth_delta125"], "0.000")} | {N(r["depth_correlation"], "0.000")} |");
        return sb.ToString();
    }

    /// <summary>Depth sources on real stereo pairs (`depth eval --pair --csv`).</summary>
    static string DepthPairs(List<Dictionary<string, string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| pair | depth | AbsRel | AbsRel (median-scaled) | delta < 1.25 | delta < 1.25 (median-scaled) | inverse depth vs disparity, correlation | seconds |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
            sb.AppendLine($"| {r["pair"]} | {r["predictor"]} | {N(r["absrel_raw"], "0.000")} | {N(r["absrel_median_scaled"], "0.000")} | {N(r["delta125_raw"], "0.000")} | " +
                $"{N(r["delta125_median_scaled"], "0.000")} | {N(r["correlation"], "0.000")} | {N(r["seconds"], "0.00")} |");
        return sb.ToString();
    }

    /// <summary>Depth sources on held-out procedural views (`depth eval --csv`), with the best constant depth.</summary>
    static string DepthEval(List<Dictionary<string, string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| depth | views | size | AbsRel (lower is better) | delta < 1.25 (higher is better) |");
        sb.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var r in rows)
            sb.AppendLine($"| {r["predictor"]} | {r["views"]} | {r["size"]}x{r["size"]} | {N(r["absrel"], "0.000")} | {N(r["delta1"], "0.000")} |");
        return sb.ToString();
    }

    /// <summary>`bench lift`: stage times with the depth given and estimated, sizes, and the scene's quality.</summary>
    static string Lift(System.Text.Json.Nodes.JsonNode j)
    {
        var (g, b, q) = (j["depth_given"]!, j["builtin_depth"]!, j["quality"]!);
        string Ms(string key) => $"| {key switch
        {
            "depth_ms" => "depth estimate",
            "layers_ms" => "layers (sharpening, band, band depth, layer tensors)",
            "fills_ms" => "generated fills (4 one-step views, carried back)",
            "meshing_ms" => "meshing (the .glb's step-2 meshes)",
            "glb_ms" => ".glb encode (PNG textures included)",
            "ply_ms" => ".ply encode",
            _ => "scene folder save",
        }} | {g[key]!.GetValue<double>().ToString("0", Inv)} | {b[key]!.GetValue<double>().ToString("0", Inv)} |";
        var sb = new StringBuilder();
        sb.AppendLine("| stage (ms) | depth given | built-in depth |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var key in new[] { "depth_ms", "layers_ms", "fills_ms", "meshing_ms", "glb_ms", "ply_ms", "save_ms" }) sb.AppendLine(Ms(key));
        string S(System.Text.Json.Nodes.JsonNode n, string key, double scale, string format) => (n[key]!.GetValue<double>() * scale).ToString(format, Inv);
        sb.AppendLine($"| **total** (target: 2 s given, 3 s built-in) | **{S(g, "total_ms", 1e-3, "0.00")} s** | **{S(b, "total_ms", 1e-3, "0.00")} s** |");
        sb.AppendLine($"| .glb size (target: 10 MB) | {S(g, "glb_bytes", 1e-6, "0.00")} MB (step {g["glb_step"]}) | {S(b, "glb_bytes", 1e-6, "0.00")} MB (step {b["glb_step"]}) |");
        sb.AppendLine($"| .ply size | {S(g, "ply_bytes", 1e-6, "0.0")} MB | {S(b, "ply_bytes", 1e-6, "0.0")} MB |");
        sb.AppendLine($"| background band, generated share | {g["band_pixels"]!.GetValue<double>().ToString("#,0", Inv)} px, {S(g, "generated_share", 100, "0.0")}% | {b["band_pixels"]!.GetValue<double>().ToString("#,0", Inv)} px, {S(b, "generated_share", 100, "0.0")}% |");
        if (g["video_60_frames_mp4_s"] is not null)
            sb.AppendLine($"| a 60-frame MP4 circle at the photo's size (target: 20 s) | {S(g, "video_60_frames_mp4_s", 1, "0.0")} s ({S(g, "video_render_ms_per_frame", 1, "0")} ms a frame to render) | {S(b, "video_60_frames_mp4_s", 1, "0.0")} s ({S(b, "video_render_ms_per_frame", 1, "0")} ms a frame) |");
        sb.AppendLine($"| source lock (target: 40 dB) | {S(q, "source_lock_psnr_db", 1, "0.00")} dB | |");
        sb.AppendLine($"| view 4% of the median depth right, where the source sees | {S(q, "near_view_psnr_db", 1, "0.00")} dB | |");
        return sb.ToString();
    }

    /// <summary>`bench consistency`: generated pixels from frame to frame, lifted scene against per-view fills.</summary>
    static string Consistency(System.Text.Json.Nodes.JsonNode j)
    {
        string D(string key) => j[key]!.GetValue<double>().ToString("0.00", Inv);
        var sb = new StringBuilder();
        sb.AppendLine("| views | generated pixels, frame to frame (PSNR) |");
        sb.AppendLine("| --- | --- |");
        sb.AppendLine($"| lifted scene (`lift`, rendered) | **{D("lifted_psnr_between_frames")} dB** |");
        sb.AppendLine($"| per-view fills (`nvs` composed, each frame) | {D("per_view_psnr_between_frames")} dB |");
        sb.AppendLine($"| difference (target: at least 3 dB) | {D("lifted_minus_per_view_db")} dB |");
        return sb.ToString();
    }

    /// <summary>
    /// `bench quality` rows (pagoda-quality.csv): every row, or with ?resolution=R&amp;columns=card those of one resolution
    /// as a model card shows them (milliseconds). Rows of real or fitted images (0 NFE, no time) show dashes.
    /// </summary>
    static string PagodaQuality(List<Dictionary<string, string>> rows, string? query)
    {
        var options = Options(query);
        var picked = rows.Where(r => !options.TryGetValue("resolution", out var res) || r["resolution"] == res).ToList();
        var card = options.GetValueOrDefault("columns") == "card";
        static bool Measured(Dictionary<string, string> r) => double.Parse(r["seconds_per_image"], Inv) > 0;
        var sb = new StringBuilder();
        if (card)
        {
            sb.AppendLine("| samples | NFE | FD | KID | ms / image |");
            sb.AppendLine("| --- | --- | --- | --- | --- |");
        }
        else
        {
            sb.AppendLine("| resolution | method | NFE | N | FD | KID | seconds / image |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        }
        foreach (var r in picked)
        {
            var nfe = Measured(r) ? r["nfe"] : "—";
            var kid = $"{N(r["kid"], "0.00")} ± {N(r["kid_std"], "0.00")}";
            var seconds = double.Parse(r["seconds_per_image"], Inv);
            sb.AppendLine(card
                ? $"| {r["method"]} | {nfe} | {N(r["fd"], "0.0")} | {kid} | {(Measured(r) ? (seconds * 1000).ToString("0.0", Inv) : "—")} |"
                : $"| {r["resolution"]} | {r["method"]} | {nfe} | {r["n"]} | {N(r["fd"], "0.0")} | {kid} | {(Measured(r) ? seconds.ToString("0.0000", Inv) : "—")} |");
        }
        return sb.ToString();
    }

    /// <summary>`bench onestep` (onestep.json): one-step against multi-step GenWarp, medians and their ratio in one run.</summary>
    static string OneStep(System.Text.Json.Nodes.JsonNode j)
    {
        double D(string key) => j[key]!.GetValue<double>();
        var sb = new StringBuilder();
        sb.AppendLine($"| {j["resolution"]}x{j["resolution"]}, {j["threads"]} threads, {j["date"]} | one-step | multi-step (Heun 18, w = 2) | ratio, same run |");
        sb.AppendLine("| --- | --- | --- | --- |");
        sb.AppendLine($"| time per view, batch 1 (preserver included) | {D("one_step_ms_per_view_batch1").ToString("0.0", Inv)} ms | {(D("multi_step_ms_per_view_batch1") / 1000).ToString("0.000", Inv)} s | **{D("speedup_batch1").ToString("0.0", Inv)}x** |");
        sb.AppendLine($"| time per view, batch 16 (preserver included) | {D("one_step_ms_per_view_batch16").ToString("0.0", Inv)} ms | {D("multi_step_ms_per_view_batch16").ToString("0.0", Inv)} ms | **{D("speedup_batch16").ToString("0.0", Inv)}x** |");
        sb.AppendLine($"| 30-view orbit of one source, preserver cached | **{D("orbit_views_per_s").ToString("0.0", Inv)} views/s** (warp {D("orbit_fraction_warp") * 100:0}%, preserver {D("orbit_fraction_preserver") * 100:0}%, denoiser {D("orbit_fraction_denoiser") * 100:0}% of the time) | | |");
        return sb.ToString();
    }

    /// <summary>`bench viewer`: the viewer's targets, measured end to end (viewer.json).</summary>
    static string Viewer(System.Text.Json.Nodes.JsonNode j)
    {
        double D(string key) => j[key]!.GetValue<double>();
        string S(string key, string format) => D(key).ToString(format, Inv);
        string Met(bool met) => met ? "met" : "**not met**";
        var sb = new StringBuilder();
        sb.AppendLine($"| target ({j["photo"]} photo, {j["cores"]} cores, {j["date"]}) | measured | |");
        sb.AppendLine("| --- | --- | --- |");
        sb.AppendLine($"| start: command to the first drawn frame (depth estimated; browser already open) | **{S("first_frame_s", "0.00")} s** (address printed after {S("url_s", "0.00")} s, first generated view after {S("first_view_s", "0.00")} s, lifted scene drawn after {S("layers_ready_s", "0.00")} s) | <= 3 s: {Met(D("first_frame_s") <= 3)} |");
        sb.AppendLine($"| hole pixels over a +-20 degree orbit ({j["orbit_poses"]} poses of yaw and pitch, the lifted scene alone, no server view) | **{D("orbit_hole_share_max") * 100:0.000}%** at worst (the two layers without the backstop: {D("orbit_hole_share_layers_alone_mean") * 100:0.0}% on average, {D("orbit_hole_share_layers_alone_max") * 100:0.0}% at worst) | 0%: {Met(D("orbit_hole_share_max") == 0)} |");
        sb.AppendLine($"| display while dragging, {j["photo"]} canvas ({D("triangles"):N0} triangles: photo, lifted layer, backstop; half resolution while moving) | **{S("drag_fps", "0.0")} fps** (the server made {S("drag_server_views_per_s", "0.0")} views/s meanwhile) | >= 30 fps: {Met(D("drag_fps") >= 30)} |");
        sb.AppendLine($"| display while dragging, {j["small_canvas"]} canvas | {S("drag_fps_small_canvas", "0.0")} fps | |");
        sb.AppendLine($"| the generated view after the camera stops | median {S("stop_to_view_ms_median", "0")} ms ({S("stop_to_view_ms_min", "0")}-{S("stop_to_view_ms_max", "0")} ms over 8 stops; of the last, {S("server_ms_last", "0")} ms on the server) | < 150 ms: {Met(D("stop_to_view_ms_median") < 150)} |");
        return sb.ToString();
    }

    /// <summary>`genwarp eval` per guidance scale (a `guidance` column before its rows; "baseline" for the warp-and-inpaint rows).</summary>
    static string Guidance(List<Dictionary<string, string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| guidance | NFE | PSNR mid | KID mid | FD mid | PSNR long | KID long | FD long |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var g in rows.GroupBy(r => r["guidance"]))
        {
            var mid = g.First(r => r["range"] == "mid");
            var lng = g.First(r => r["range"] == "long");
            var name = g.Key == "baseline" ? $"warp-inpaint baseline (its own settings)" : g.Key;
            sb.AppendLine($"| {name} | {mid["nfe"]} | {N(mid["psnr"], "0.00")} | {N(mid["kid"], "0.00")} | {N(mid["fd"], "0.0")} | {N(lng["psnr"], "0.00")} | {N(lng["kid"], "0.00")} | {N(lng["fd"], "0.0")} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// `genwarp eval`'s rows (results.csv), in the file's order; FILE?methods=a,b keeps those methods only. PSNR "vis"/"occ":
    /// target pixels the source does / does not see.
    /// </summary>
    /// <summary>
    /// `genwarp eval` rows. The query (after '?', parts joined by '&amp;') picks rows and columns: methods=a,b (in that
    /// order within each depth and range), depth=estimated|gt, columns=full (default: every metric with the covisible/occluded PSNR), nfe (parameters
    /// and network evaluations per view) or kid (NFE and KID with its spread over subsets).
    /// </summary>
    static string GenWarpEval(List<Dictionary<string, string>> rows, string? query)
    {
        var options = Options(query);
        var only = options.TryGetValue("methods", out var m) ? m.Split(',').ToHashSet() : null;
        var depth = options.GetValueOrDefault("depth");
        var columns = options.GetValueOrDefault("columns") ?? "full";
        // Grouped by depth, then range (each in the order it first appears), the CSV's order within a group: rows added
        // to a CSV by a later run of some methods sit with their group.
        var depths = rows.Select(r => r["depth"]).Distinct().ToList();
        var ranges = rows.Select(r => r["range"]).Distinct().ToList();
        var picked = rows.Where(r => (only is null || only.Contains(r["method"])) && (depth is null || r["depth"] == depth))
            .OrderBy(r => depths.IndexOf(r["depth"])).ThenBy(r => ranges.IndexOf(r["range"]))
            .ThenBy(r => only is null ? 0 : Array.IndexOf(m!.Split(','), r["method"])).ToList();
        var sb = new StringBuilder();
        switch (columns)
        {
            case "full":
                sb.AppendLine("| method | range | depth | N | PSNR | SSIM | perceptual | KID | FD | PSNR vis | PSNR occ |");
                sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
                foreach (var r in picked)
                    sb.AppendLine($"| {r["method"]} | {r["range"]} | {r["depth"]} | {r["n"]} | {N(r["psnr"], "0.00")} | {N(r["ssim"], "0.000")} | {N(r["perceptual"], "0.000")} | " +
                        $"{N(r["kid"], "0.00")} | {N(r["fd"], "0.0")} | {N(r["psnr_covisible"], "0.00")} | {N(r["psnr_occluded"], "0.00")} |");
                break;
            case "nfe":
                sb.AppendLine("| method | parameters | range | depth | NFE/view | PSNR | SSIM | perceptual | KID | FD |");
                sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
                foreach (var r in picked)
                {
                    var parameters = long.Parse(r["parameters"], Inv) is var p && p > 0 ? (p / 1e6).ToString("0.00", Inv) + "M" : "—";
                    sb.AppendLine($"| {r["method"]} | {parameters} | {r["range"]} | {r["depth"]} | {r["nfe"]} | {N(r["psnr"], "0.00")} | {N(r["ssim"], "0.000")} | " +
                        $"{N(r["perceptual"], "0.000")} | {N(r["kid"], "0.00")} | {N(r["fd"], "0.0")} |");
                }
                break;
            case "kid":
                sb.AppendLine("| method | range | NFE | PSNR | SSIM | KID | FD |");
                sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
                foreach (var r in picked)
                    sb.AppendLine($"| `{r["method"]}` | {r["range"]} | {r["nfe"]} | {N(r["psnr"], "0.00")} | {N(r["ssim"], "0.000")} | {N(r["kid"], "0.00")} ± {N(r["kid_std"], "0.00")} | {N(r["fd"], "0.0")} |");
                break;
            case "card":
                // cols=METHOD|LABEL,METHOD|LABEL,... (labels URL-encoded: %20 a space, %2C a comma): per range, PSNR / KID / FD of each method.
                var cols = options["cols"].Split(',').Select(c => c.Split('|', 2)).Select(c => (Method: c[0], Label: Uri.UnescapeDataString(c[1]))).ToList();
                sb.AppendLine($"| range | {cols[0].Label}: PSNR / KID / FD | {string.Join(" | ", cols.Skip(1).Select(c => c.Label))} |");
                sb.AppendLine($"| --- |{string.Concat(Enumerable.Repeat(" --- |", cols.Count))}");
                foreach (var range in picked.Select(r => r["range"]).Distinct())
                {
                    string Cell(string method) => picked.FirstOrDefault(r => r["method"] == method && r["range"] == range) is { } r
                        ? $"{N(r["psnr"], "0.00")} / {N(r["kid"], "0.00")} / {N(r["fd"], "0.0")}"
                        : throw new InvalidOperationException($"genwarp-eval card: no row for {method}, {range}");
                    sb.AppendLine($"| {range} | {string.Join(" | ", cols.Select(c => Cell(c.Method)))} |");
                }
                break;
            case "variants":
                // An ablation's CSV: its first column names the variant; labels=KEY|LABEL,... (URL-encoded) in the order shown;
                // with `labelled`, the variants without a label are left out (a card showing its own rows of a shared file).
                var key = rows.Count > 0 ? rows[0].Keys.First() : "variant";
                var labels = options["labels"].Split(',').Select(c => c.Split('|', 2)).Select(c => (Key: c[0], Label: Uri.UnescapeDataString(c[1]))).ToList();
                if (options.ContainsKey("labelled")) picked = picked.Where(r => labels.Any(l => l.Key == r[key])).ToList();
                sb.AppendLine("| variant | method | range | depth | N | PSNR | PSNR where the source sees | PSNR in the holes | SSIM | perceptual | KID | FD |");
                sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
                foreach (var r in picked.OrderBy(r => depths.IndexOf(r["depth"])).ThenBy(r => ranges.IndexOf(r["range"])).ThenBy(r => r["method"], StringComparer.Ordinal).ThenBy(r => labels.FindIndex(l => l.Key == r[key])))
                {
                    var label = labels.FirstOrDefault(l => l.Key == r[key]).Label ?? throw new InvalidOperationException($"genwarp-eval variants: no label for '{r[key]}'");
                    sb.AppendLine($"| {label} | `{r["method"]}` | {r["range"]} | {r["depth"]} | {r["n"]} | {N(r["psnr"], "0.00")} | {N(r["psnr_covisible"], "0.00")} | {N(r["psnr_occluded"], "0.00")} | " +
                        $"{N(r["ssim"], "0.000")} | {N(r["perceptual"], "0.000")} | {N(r["kid"], "0.00")} ± {N(r["kid_std"], "0.00")} | {N(r["fd"], "0.0")} |");
                }
                break;
            default:
                throw new InvalidOperationException($"genwarp-eval table: unknown columns '{columns}' (full, nfe, kid, card or variants)");
        }
        return sb.ToString();
    }

    /// <summary>`bench growth` results (FILE;FILE;... in order): per photo and model, the stages in ms and the view rates.</summary>
    static string Growth(List<System.Text.Json.Nodes.JsonNode> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| photo | model | working size | warp | generator | views/s at model size | full warp | composition | views/s at photo size, in turn | through `PhotoViews` (warp beside the model) |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var run in runs)
            foreach (var r in run["rows"]!.AsArray())
            {
                string D(string key, string format) => r![key] is { } v ? v.GetValue<double>().ToString(format, Inv) : "—";
                sb.AppendLine($"| {run["photo"]} | `{Path.GetFileNameWithoutExtension(r!["model"]!.GetValue<string>())}` | {r["working_size"]} | {D("warp_ms", "0.0")} | {D("generator_ms", "0.0")} | " +
                    $"{D("views_per_s_at_model_size", "0.0")} | {D("full_resolution_warp_ms", "0.0")} | {D("composition_ms", "0.0")} | {D("views_per_s_at_photo_size", "0.0")} | {D("views_per_s_photo_views", "0.0")} |");
            }
        return sb.ToString();
    }

    static double Num(Dictionary<string, string> r, string key) => double.Parse(r[key], NumberStyles.Float, Inv);

    /// <summary>PaGoDA's base-stage ablation (one row per run; the shipped recipe's seeds summarised), with the real images,
    /// the per-pixel Gaussian and the teacher for scale; the lowest FD and KID of the generators in bold.</summary>
    static string PagodaAblation(List<Dictionary<string, string>> rows, List<Dictionary<string, string>> quality)
    {
        const string prefix = "one-step generator, ";
        var runs = rows.Where(r => r["method"].StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var recipe = runs.Where(r => r["method"][prefix.Length..].StartsWith("neither", StringComparison.Ordinal)).ToList();
        var (bestFd, bestKid) = (runs.Min(r => Num(r, "fd")), runs.Min(r => Num(r, "kid")));
        string Bold(string text, bool best) => best ? $"**{text}**" : text;
        string Row(string label, Dictionary<string, string> r, bool run) =>
            $"| {label} | {Bold(Num(r, "fd").ToString("0.0", Inv), run && Num(r, "fd") == bestFd)} | {Bold($"{Num(r, "kid").ToString("0.0", Inv)} ± {Num(r, "kid_std").ToString("0.0", Inv)}", run && Num(r, "kid") == bestKid)} |";
        static (double Mean, double Sd) Spread(List<double> xs)
        {
            var mean = xs.Average();
            return (mean, Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1)));
        }
        var sb = new StringBuilder();
        sb.AppendLine($"| base generator, 500 steps (N = {rows[0]["n"]}) | FD | KID |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var r in recipe) sb.AppendLine(Row(r["method"][prefix.Length..], r, true));
        var (fd, kid) = (Spread(recipe.Select(r => Num(r, "fd")).ToList()), Spread(recipe.Select(r => Num(r, "kid")).ToList()));
        sb.AppendLine($"| *the shipped recipe (neither): mean ± standard deviation over its {recipe.Count} seeds* | *{fd.Mean.ToString("0.0", Inv)} ± {fd.Sd.ToString("0.0", Inv)}* | *{kid.Mean.ToString("0.0", Inv)} ± {kid.Sd.ToString("0.0", Inv)}* |");
        foreach (var r in runs.Except(recipe)) sb.AppendLine(Row(r["method"][prefix.Length..] + " (seed 0)", r, true));
        foreach (var r in rows.Except(runs)) sb.AppendLine(Row($"for scale: {r["method"]}", r, false));
        var teacher = quality.First(r => r["resolution"] == rows[0]["resolution"] && r["method"] == "teacher Heun N=40");
        sb.AppendLine(Row($"for scale: the teacher, Heun 40 points, {teacher["nfe"]} NFE", teacher, false));
        return sb.ToString();
    }

    /// <summary>`bench upscale`: PSNR against the originals, FD and KID against other images; the best of the methods in bold.</summary>
    static string PagodaUpscale(List<Dictionary<string, string>> rows)
    {
        var methods = rows.Where(r => r["method"] != "originals").ToList();
        string Cell(Dictionary<string, string> r, string key, string format, Func<IEnumerable<double>, double> best)
        {
            var text = Num(r, key).ToString(format, Inv) + (key == "kid" ? $" ± {Num(r, "kid_std").ToString("0.0", Inv)}" : "");
            return methods.Contains(r) && Num(r, key) == best(methods.Select(m => Num(m, key))) ? $"**{text}**" : text;
        }
        var sb = new StringBuilder();
        sb.AppendLine($"| method (N = {rows[0]["n"]}) | NFE | PSNR (dB) | FD | KID | ms / image |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            var floor = r["method"] == "originals";
            sb.AppendLine($"| {(floor ? "originals (the floor)" : r["method"])} | {(floor ? "—" : r["nfe"])} | {(floor ? "—" : Cell(r, "psnr", "0.00", Enumerable.Max))} | " +
                $"{Cell(r, "fd", "0.0", Enumerable.Min)} | {Cell(r, "kid", "0.0", Enumerable.Min)} | {(Num(r, "ms_per_image") > 0 ? Num(r, "ms_per_image").ToString("0", Inv) : "—")} |");
        }
        return sb.ToString();
    }

    /// <summary>`bench viewer` runs side by side (runs of the viewer before the lifted scene: paced and every-frame drags).</summary>
    static string ViewerRuns(List<(System.Text.Json.Nodes.JsonNode Run, string Label)> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | first frame | fps while dragging (paced / a pose every frame) | small canvas | filled view after the camera stops: median (min-max) | server views/s while dragging (paced / every frame) |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (j, label) in runs)
        {
            string S(string key, string format) => j[key]!.GetValue<double>().ToString(format, Inv);
            sb.AppendLine($"| {label} | {S("first_frame_s", "0.00")} s | {S("drag_fps", "0.0")} / {S("drag_fps_pose_every_frame", "0.0")} | {S("drag_fps_small_canvas", "0.0")} fps ({j["small_canvas"]}) | " +
                $"{S("stop_to_view_ms_median", "0")} ms ({S("stop_to_view_ms_min", "0")}-{S("stop_to_view_ms_max", "0")}) | {S("drag_server_views_per_s", "0.0")} / {S("drag_server_views_per_s_pose_every_frame", "0.0")} |");
        }
        return sb.ToString();
    }

    /// <summary>One view's cost per stage (`per_stage` of `bench viewer` runs); several runs of a setting are joined by " / ".</summary>
    static string ViewerStages(List<System.Text.Json.Nodes.JsonNode> runs)
    {
        var stages = runs.SelectMany(j => j["per_stage"]!.AsArray()).Select(s => s!)
            .GroupBy(s => (At: s["generated_at"]!.GetValue<string>(), Fill: s["fill"]!.GetValue<string>()));
        var sb = new StringBuilder();
        sb.AppendLine("| generated at | fill size | generate | warp + compose at the fill size | total |");
        sb.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var g in stages)
        {
            string Join(string key) => string.Join(" / ", g.Select(s => s[key]!.GetValue<double>().ToString("0.0", Inv))) + " ms";
            sb.AppendLine($"| {g.Key.At} | {g.Key.Fill} | {Join("generate_ms")} | {Join("compose_ms")} | {Join("total_ms")} |");
        }
        return sb.ToString();
    }

    /// <summary>Mutation scores per group and file (`bench mutation-scores`); timeouts count as killed.</summary>
    static string Mutation(System.Text.Json.Nodes.JsonNode j)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| group | file | run | tested | killed (of them timed out) | survived | no coverage | score |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in j["rows"]!.AsArray())
        {
            int I(string key) => r![key]!.GetValue<int>();
            var killed = I("killed") + I("timeout");
            var score = r!["score"] is { } s ? $"{s.GetValue<double>().ToString("0.0", Inv)} %" : "—";
            sb.AppendLine($"| {I("group")} | `{r["file"]}` | {r["date"]} | {killed + I("survived")} | {killed} ({I("timeout")}) | {I("survived")} | {I("no_coverage")} | {score} |");
        }
        return sb.ToString();
    }

    /// <summary>`genwarp pairs` round trips per inverted field (`genwarp-inversion-field.csv`).</summary>
    static string InversionField(List<Dictionary<string, string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| inverted field | guidance | pairs | evaluations per pair | round-trip PSNR | seconds |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
            sb.AppendLine($"| {r["inverted_field"]} | {r["guidance"]} | {r["pairs"]} | {r["nfe_per_pair"]} | {N(r["round_trip_psnr_db"], "0.00")} dB | {r["seconds"]} |");
        return sb.ToString();
    }

    /// <summary>`bench scenes` runs side by side: views/s per size, the stream, and pairs/s.</summary>
    static string Scenes(List<(System.Text.Json.Nodes.JsonNode Run, string Label)> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"| size | spp | {string.Join(" | ", runs.Select(r => r.Label))} |");
        sb.AppendLine($"| --- | --- |{string.Concat(Enumerable.Repeat(" --- |", runs.Count))}");
        string Cells(string key, string unit) => string.Join(" | ", runs.Select(r =>
        {
            var v = r.Run[key]!.GetValue<double>();
            return (v < 10 ? v.ToString("0.0", Inv) : v.ToString("0", Inv)) + unit;
        }));
        var spp = runs[0].Run["spp"]!.GetValue<int>();
        foreach (var size in new[] { 64, 128, 256 }) sb.AppendLine($"| {size}x{size} | {spp} | {Cells($"views_per_second_{size}", "")} |");
        sb.AppendLine($"| 64x64 through `SceneStream.NextBatch(64)` | {spp} | {Cells("stream_views_per_second_64", "")} |");
        sb.AppendLine($"| 64x64 pairs, covisibility 0.2-0.8 | {spp} | {Cells("pairs_per_second_64", " pairs/s")} |");
        return sb.ToString();
    }

    /// <summary>`bench memory`: each command's peak resident set and wall time.</summary>
    static string Memory(System.Text.Json.Nodes.JsonNode j)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"| command ({j["date"]}, {j["cores"]} cores) | peak RSS | seconds |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var r in j["rows"]!.AsArray())
            sb.AppendLine($"| `{r!["command"]}` | {r["peak_rss_gb"]!.GetValue<double>().ToString("0.00", Inv)} GB | {r["seconds"]!.GetValue<double>().ToString("0.0", Inv)} |");
        return sb.ToString();
    }

    /// <summary>`bench warp`: forward splatting per frame, RGB and the 10-channel embedding, per size.</summary>
    static string Warp(System.Text.Json.Nodes.JsonNode j)
    {
        string Ms(string key) => j[key]!.GetValue<double>() is var v && v < 10 ? v.ToString("0.0", Inv) : v.ToString("0", Inv);
        var sb = new StringBuilder();
        sb.AppendLine("| size | splat RGB (3 channels) | splat embedding (10 channels) |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var size in new[] { 64, 128, 256 })
        {
            var fps = size == 64 ? $" ({Math.Round(1000 / j[$"splat_rgb_ms_{size}"]!.GetValue<double>() / 10) * 10:0} frames/s)" : "";
            sb.AppendLine($"| {size}x{size} | {Ms($"splat_rgb_ms_{size}")} ms{fps} | {Ms($"splat_embedding_ms_{size}")} ms |");
        }
        return sb.ToString();
    }

    /// <summary>`bench geometry`: per noise level, the denoiser's error and how much its output moves with the warp.</summary>
    static string Geometry(List<(System.Text.Json.Nodes.JsonNode Run, string Label)> runs)
    {
        var sigmas = runs[0].Run["rows"]!.AsArray().Select(r => r!["sigma"]!.GetValue<double>()).ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| sigma | " + string.Join(" | ", sigmas.Select(x => x.ToString("0.###", Inv))) + " |");
        sb.AppendLine("| --- |" + string.Concat(sigmas.Select(_ => " --- |")));
        foreach (var (run, label) in runs)
            foreach (var (key, what) in new[] { ("error", "error"), ("unwarped_change", "change, unwarped grid"), ("true_depth_change", "change, true-depth warp") })
                sb.AppendLine($"| {label}: {what} | " + string.Join(" | ", run["rows"]!.AsArray().Select(r => r![key]!.GetValue<double>().ToString("0.0000", Inv))) + " |");
        return sb.ToString();
    }

    /// <summary>`bench metrics`: feature extraction rates and the end-to-end FD/KID run with its parts and result.</summary>
    static string Metrics(System.Text.Json.Nodes.JsonNode j)
    {
        double D(string key) => j[key]!.GetValue<double>();
        var n = (int)D("fd_count");
        var sb = new StringBuilder();
        sb.AppendLine($"| measurement ({j["date"]}, {j["threads"]} threads) | result |");
        sb.AppendLine("| --- | --- |");
        foreach (var size in new[] { 64, 224 })
            sb.AppendLine($"| features {size}x{size} input, batch 32 | {D($"features_{size}_images_per_s").ToString("0.0", Inv)} images/s ({D($"features_{size}_gflops").ToString("0", Inv)} GFLOP/s) |");
        sb.AppendLine($"| FD + KID, {n.ToString("N0", Inv)} vs {n.ToString("N0", Inv)} rendered {D("fd_size")}x{D("fd_size")} scenes, end to end | {D("end_to_end_s").ToString("0.0", Inv)} s |");
        sb.AppendLine($"| of which rendering and features | {D("render_and_features_s").ToString("0.0", Inv)} s |");
        sb.AppendLine($"| of which FD (512-d statistics, matrix square root) | {D("fd_s").ToString("0.00", Inv)} s |");
        sb.AppendLine($"| of which KID | {D("kid_s").ToString("0.00", Inv)} s |");
        sb.AppendLine($"| result: FD; KID x 1000 (two disjoint sets of evaluation scenes) | {D("fd").ToString("0.0", Inv)}; {D("kid").ToString("0.00", Inv)} ± {D("kid_std").ToString("0.00", Inv)} |");
        return sb.ToString();
    }

    /// <summary>`eval stereo-info --json`, one file per pair: its size, disparity range, unknown share and how well the disparity maps left onto right.</summary>
    static string StereoPairs(List<System.Text.Json.Nodes.JsonNode> pairs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| pair | size | f (px) | baseline (mm) | disparity (px) | unknown | depth (m) | mean \\|L(x,y) - R(x-d,y)\\| (of 255) | pixels compared |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var j in pairs)
        {
            double D(string key) => j[key]!.GetValue<double>();
            sb.AppendLine($"| `{j["pair"]}` | {j["width"]}x{j["height"]} | {D("focal").ToString("0.###", Inv)} | {D("baseline_mm").ToString("0.###", Inv)} | " +
                $"{D("disparity_min").ToString("0.##", Inv)} to {D("disparity_max").ToString("0.##", Inv)} | {(100 * D("unknown_share")).ToString("0.00", Inv)}% | " +
                $"{D("depth_min").ToString("0.00", Inv)} to {D("depth_max").ToString("0.00", Inv)} | {D("warp_error").ToString("0.00", Inv)} | {D("warp_pixels").ToString("N0", Inv)} |");
        }
        return sb.ToString();
    }

    /// <summary>`bench depth-edges`: for each threshold, the share of continuous neighbour pairs cut and of steps left joined.</summary>
    static string DepthEdges(List<Dictionary<string, string>> rows)
    {
        var first = rows[0];
        var sb = new StringBuilder();
        sb.AppendLine($"| t | continuous pairs cut ({int.Parse(first["continuous"], Inv).ToString("N0", Inv)}) | steps over 25% joined ({int.Parse(first["steps"], Inv).ToString("N0", Inv)}) | steps of 10-25% joined ({int.Parse(first["small_steps"], Inv).ToString("N0", Inv)}) |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            var cells = new[] { r["threshold"], $"{N(r["continuous_cut"], "0.000%")}", $"{N(r["steps_joined"], "0.0%")}", $"{N(r["small_steps_joined"], "0.0%")}" };
            var shipped = r["default"] == "true";
            sb.AppendLine("| " + string.Join(" | ", cells.Select(c => shipped ? $"**{c}**" : c)) + " |");
        }
        return sb.ToString();
    }

    /// <summary>`bench diffusion`: training and sampling speed, achieved GFLOP/s (training counts forward + backward as 3 forwards) and its share of matmul.</summary>
    static string Diffusion(System.Text.Json.Nodes.JsonNode j)
    {
        double D(System.Text.Json.Nodes.JsonNode n, string key) => n[key]!.GetValue<double>();
        var (flop, matmul) = (D(j, "gflop_forward"), D(j, "matmul_gflops"));
        var sb = new StringBuilder();
        sb.AppendLine($"| measurement ({j["config"]}) | time | achieved | of matmul |");
        sb.AppendLine("| --- | --- | --- | --- |");
        var train = D(j, "train_images_per_s") * 3 * flop;
        sb.AppendLine($"| training, batch {j["batch"]} | {D(j, "train_images_per_s").ToString("0.0", Inv)} images/s | {train.ToString("0.0", Inv)} GFLOP/s | {100 * train / matmul:0} % |");
        foreach (var r in j["sampling"]!.AsArray())
        {
            var name = r!["sampler"]!.GetValue<string>() is var sampler ? char.ToUpperInvariant(sampler[0]) + sampler[1..] : "";
            sb.AppendLine($"| {name} N={r["n"]} ({r["nfe"]} NFE) | {D(r, "ms_per_image").ToString("0.0", Inv)} ms/image | {D(r, "gflops").ToString("0.0", Inv)} GFLOP/s | {100 * D(r, "gflops") / matmul:0} % |");
        }
        return sb.ToString();
    }
}
