using System.Globalization;
using System.Text;
using InstantViews.Depth;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// `eval stereo` as a call: a pair, depth sources by spec (`builtin`, `onnx:FILE`, a depth file), view models by file,
/// each model composed into the same warp as the classical fills; the rows, and their CSV.
/// </summary>
public static class StereoEvaluation
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The fills: grey (reference), nearest, harmonic, harmonic from the far side (the composition's margin and reach; the
    /// shipped margin when the composition has none), then each model (named by its file, without extension), composed
    /// with <paramref name="composition"/> and sampled with its own settings except where <paramref name="overrides"/> gives one.
    /// Given the real right photo <paramref name="truth"/>, each model is followed by the truth at its working size in its
    /// place (<see cref="StereoFill.TruthAt"/>, named `truth@MODEL`).
    /// </summary>
    public static List<StereoFill> Fills(IEnumerable<string> modelPaths, long seed, Device? device = null, CompositionSettings? composition = null, SamplingOverrides? overrides = null, Tensor? truth = null)
    {
        var far = composition ?? CompositionSettings.Default;
        var fills = new List<StereoFill> { StereoFill.Grey, StereoFill.Nearest, StereoFill.Harmonic, StereoFill.HarmonicFarSide(far.BaselineFarSide, far.FarSideReach) };
        foreach (var path in modelPaths)
        {
            var generator = NovelViewGenerators.Open(path, device, overrides);
            var (name, pipeline) = (Path.GetFileNameWithoutExtension(path), new NovelViewPipeline(generator, device));
            fills.Add(StereoFill.Composed(name, pipeline, seed, composition));
            if (truth is not null) fills.Add(StereoFill.TruthAt($"truth@{name}", truth, pipeline.WorkingSize, composition));
        }
        if (fills.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UserError($"two models are named '{twice.Key}'; give each once (rows and saved views are named after them)");
        return fills;
    }

    /// <summary>Depth sources by spec (named by the spec, a file by its name); a depth file must have the pair's size; two sources of one name are refused.</summary>
    public static List<StereoDepthSource> Depths(IEnumerable<string> specs, Device? device = null)
    {
        var sources = specs.Select(spec =>
        {
            var estimator = DepthSource.Open(spec, device);
            var name = spec.StartsWith("onnx:", StringComparison.Ordinal) ? $"onnx:{Path.GetFileName(spec[5..])}" : File.Exists(spec) ? Path.GetFileName(spec) : spec;
            return new StereoDepthSource(name, (rgb, cam) => estimator.Estimate(rgb, cam));
        }).ToList();
        if (sources.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UserError($"two depth sources are named '{twice.Key}'; give each once (rows and saved views are named after them)");
        return sources;
    }

    /// <summary>The rows as CSV: one line per depth source and fill, with that depth source's scores against the truth, the share of
    /// the right view covisible and the share of the true-depth warp's holes enclosed (the same on every line).</summary>
    public static string Csv(string pair, StereoResult result)
    {
        var sb = new StringBuilder("pair,depth,fill,nfe,psnr,ssim,perceptual,psnr_covisible,ssim_covisible,perceptual_covisible,psnr_occluded,ssim_occluded,perceptual_occluded,seconds,depth_absrel,depth_delta125,depth_correlation,covisible_fraction,enclosed_holes\n");
        static string F(double v) => v.ToString("0.####", Inv);
        foreach (var r in result.Rows)
        {
            // The depth scores are those of the estimate as given; its aligned rows leave them empty.
            var d = result.Depths.FirstOrDefault(x => r.Depth == x.Depth);
            sb.Append(Inv, $"{pair},{r.Depth},{r.Fill},{r.Nfe},{F(r.Psnr)},{F(r.Ssim)},{F(r.Perceptual)},{F(r.PsnrCovisible)},{F(r.SsimCovisible)},{F(r.PerceptualCovisible)},")
              .Append(Inv, $"{F(r.PsnrOccluded)},{F(r.SsimOccluded)},{F(r.PerceptualOccluded)},{F(r.Seconds)},")
              .Append(d is null ? ",," : $"{F(d.AbsRel)},{F(d.Delta)},{F(d.Correlation)}")
              .Append(Inv, $",{F(result.CovisibleFraction)},{F(result.EnclosedHoles)}\n");
        }
        return sb.ToString();
    }

    /// <summary>Saves a predicted view as `DIR/NAME.png` (names made safe for a file system).</summary>
    public static Action<string, Tensor> ViewSaver(string folder)
    {
        Directory.CreateDirectory(folder);
        return (name, view) => ImageFile.Write(Path.Combine(folder, string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".png"), view);
    }
}
