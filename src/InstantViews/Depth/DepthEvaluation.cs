using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>Evaluates a depth estimator on evaluation-split scene views against a constant-depth predictor.</summary>
public static class DepthEvaluation
{
    /// <summary>
    /// Renders <paramref name="count"/> evaluation views (scene seeds from 1,000,000, never trained on) and scores
    /// the estimator and the best single constant for the whole set (the median ground-truth depth: an oracle
    /// baseline, stronger than any constant a model could learn).
    /// </summary>
    public static (DepthScores Model, DepthScores Constant, double ConstantDepth) Run(IDepthEstimator estimator, int count, int size = 64, long seed = 0, int spp = 4)
    {
        using var stream = new SceneStream(new SceneStreamConfig(size, size, spp, SceneSplit.Eval, seed, ViewsPerScene: 1));
        var views = Enumerable.Range(0, count).Select(_ => stream.NextView()).ToList();
        var all = views.SelectMany(v => v.Depth.Where(d => d > 0 && float.IsFinite(d))).Order().ToArray();
        var constant = all.Length > 0 ? all[all.Length / 2] : 1f;
        var preds = new List<(Tensor, Tensor)>();
        var consts = new List<(Tensor, Tensor)>();
        foreach (var v in views)
        {
            var gt = v.DepthTensor();
            preds.Add((estimator.Estimate(v.RgbTensor(), v.Camera), gt));
            consts.Add((full_like(gt, constant), gt));
        }
        var result = (DepthScores.Of(preds), DepthScores.Of(consts), (double)constant);
        foreach (var (p, g) in preds.Concat(consts)) { p.Dispose(); g.Dispose(); }
        return result;
    }

    public const string CsvHeader = "predictor,views,size,absrel,delta1,pixels";

    /// <summary>One row of the scenes' CSV: predictor, views, size, AbsRel, delta &lt; 1.25, pixels scored.</summary>
    public static string CsvRow(string predictor, int count, int size, DepthScores s) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{predictor.Replace(',', ';')},{count},{size},{s.AbsRel:R},{s.Delta1:R},{s.Pixels}");

    /// <summary>The two rows of a <see cref="Run"/> as CSV, with the header.</summary>
    public static string Csv(string predictor, int count, int size, DepthScores model, DepthScores constant, double constantDepth) =>
        $"{CsvHeader}\n{CsvRow(predictor, count, size, model)}\n{ConstantRow(count, size, constant, constantDepth)}\n";

    static string ConstantRow(int count, int size, DepthScores constant, double constantDepth) =>
        CsvRow(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"constant {constantDepth:0.000} m"), count, size, constant);

    /// <summary>
    /// Several depth sources, by spec, on the same evaluation views (<see cref="Run"/> each) or, given stereo pair folders,
    /// on those pairs (<see cref="OnPairs"/>); <paramref name="report"/> gets each source's scores as they come. Returns the
    /// CSV of all rows: the scenes' (the constant depth once, after the first source) or the pairs'.
    /// </summary>
    public static string Compare(IEnumerable<string> specs, Func<string, IDepthEstimator> open, IReadOnlyList<string> pairFolders, int count, int size, long seed,
        Action<IDepthEstimator, DepthScores, DepthScores, double>? reportScenes = null, Action<IDepthEstimator, List<(string Pair, StereoDepthScore Score)>>? reportPairs = null)
    {
        var csv = new System.Text.StringBuilder(pairFolders.Count > 0 ? PairCsvHeader : CsvHeader).Append('\n');
        var first = true;
        foreach (var spec in specs)
        {
            var estimator = open(spec);
            try
            {
                if (pairFolders.Count > 0)
                {
                    var scores = OnPairs(estimator, pairFolders);
                    reportPairs?.Invoke(estimator, scores);
                    csv.Append(PairCsvRows(spec, scores));
                }
                else
                {
                    var (m, c, constant) = Run(estimator, count, size, seed);
                    reportScenes?.Invoke(estimator, m, c, constant);
                    csv.Append(CsvRow(spec, count, size, m)).Append('\n');
                    if (first) csv.Append(ConstantRow(count, size, c, constant)).Append('\n');
                }
            }
            finally { (estimator as IDisposable)?.Dispose(); }
            first = false;
        }
        return csv.ToString();
    }

    /// <summary>The estimator on the left photo of each stereo pair (a folder in the Middlebury 2014 layout), scored against its true depth.</summary>
    public static List<(string Pair, StereoDepthScore Score)> OnPairs(IDepthEstimator estimator, IEnumerable<string> folders)
    {
        var scores = new List<(string, StereoDepthScore)>();
        foreach (var folder in folders)
        {
            using var pair = StereoPair.Read(folder);
            using var scope = NewDisposeScope();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var estimate = estimator.Estimate(pair.Left, pair.LeftCamera);
            var seconds = clock.Elapsed.TotalSeconds;
            scores.Add((pair.Name, StereoDepthScore.Of(estimator.Description, estimate, pair.TrueDepth(), pair.Disparity, seconds)));
        }
        return scores;
    }

    public const string PairCsvHeader = "pair,predictor,absrel_raw,delta125_raw,absrel_median_scaled,delta125_median_scaled,correlation,seconds";

    /// <summary>Rows of <see cref="OnPairs"/> as CSV (no header).</summary>
    public static string PairCsvRows(string predictor, IEnumerable<(string Pair, StereoDepthScore Score)> scores)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        foreach (var (pair, s) in scores)
            sb.Append(inv, $"{pair},{predictor.Replace(',', ';')},{s.AbsRelRaw:0.####},{s.DeltaRaw:0.####},{s.AbsRel:0.####},{s.Delta:0.####},{s.Correlation:0.####},{s.Seconds:0.###}\n");
        return sb.ToString();
    }
}
