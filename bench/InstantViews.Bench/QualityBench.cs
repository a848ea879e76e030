using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// Sample quality and speed measured in one run against real procedural scenes (evaluation seeds):
/// FD and KID on ResNet-18 pooled features (with N), seconds per image. Rows: real vs real (another seed
/// range), a per-pixel Gaussian fitted to the data, the teacher with Heun (79 NFE) and Euler at a few NFE,
/// the one-step generator at the base resolution, and at the grown resolution the grown generator against
/// bicubic-upsampled teacher samples. <c>--variant label=model.safetensors</c> (repeatable) adds one base-resolution row
/// per further one-step generator (ablations); <c>--skip-teacher</c> leaves out the teacher's rows; <c>--csv</c> writes the
/// table as CSV.
/// </summary>
public static class QualityBench
{
    sealed record Row(string Resolution, string Method, int Nfe, long N, double Fd, double Kid, double KidStd, double SecondsPerImage);

    public static void Run(string[] args)
    {
        string? Arg(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        var teacherPath = Arg("--teacher") ?? throw new UserError("--teacher is required");
        var basePath = Arg("--base");
        var grownPath = Arg("--grown");
        var n = int.Parse(Arg("--count") ?? "1000", CultureInfo.InvariantCulture);
        var featureSize = int.Parse(Arg("--feature-size") ?? "64", CultureInfo.InvariantCulture);
        var jsonOut = Arg("--json");
        var csvOut = Arg("--csv");
        var skipTeacher = args.Contains("--skip-teacher");
        var variants = args.Select((a, i) => (a, i)).Where(p => p.a == "--variant" && p.i + 1 < args.Length).Select(p => args[p.i + 1].Split('=', 2))
            .Select(kv => kv.Length == 2 ? (Label: kv[0], Path: kv[1]) : throw new UserError($"--variant wants label=model.safetensors, got '{kv[0]}'")).ToList();
        if (skipTeacher && grownPath is not null) throw new UserError("--grown compares with the teacher's samples: leave out --skip-teacher");
        foreach (var (_, path) in variants.Append(("", basePath ?? "")).Where(v => v.Item2.Length > 0))
            if (!File.Exists(path)) throw new UserError($"'{path}' does not exist");
        var gridDir = Arg("--grids");
        var resnet = new ResNet18Features();
        var (teacher, th) = Checkpoint.Load<UNet>(teacherPath);
        teacher.eval();
        var r = teacher.Cfg.Resolution;
        var smax = SamplingDefaults.Of(th).SigmaMax;
        var rows = new List<Row>();
        Console.WriteLine($"quality: N={n} per set, features at >= {featureSize}px, teacher {teacherPath} ({r}px, step {th.Step})");

        FeatureSet Features(Tensor images, string label) =>
            FeatureExtraction.Extract(new DelegateImageSource(label, images.shape[0], k => images), resnet, CPU, 64, featureSize, label);
        Tensor Real(int res, long seed, int spp)
        {
            using var source = SceneImages.Eval(res, n, seed, spp);
            return source.NextBatch(n);
        }
        void Add(string res, string method, int nfe, FeatureSet reference, Tensor images, double spi)
        {
            var f = Features(images, method);
            var fd = Frechet.Distance(reference, f);
            var (kid, kidStd) = Kid.Compute(reference.Features, f.Features, 50, Math.Min(500, n / 2));
            rows.Add(new Row(res, method, nfe, n, fd, kid, kidStd, spi));
            Console.WriteLine($"{res,-6} {method,-32} NFE {nfe,3}  FD {fd,9:0.00}  KID {kid,8:0.0000} ± {kidStd:0.0000}  {spi * 1000,9:0.000} ms/image");
            if (gridDir is not null)
            {
                // Small images are enlarged (nearest neighbour) so the grid can be looked at.
                var shown = images[..Math.Min(64, n)];
                var scale = Math.Max(1, 64 / (int)shown.shape[2]);
                if (scale > 1) shown = Resize.To(shown, (int)shown.shape[2] * scale, (int)shown.shape[3] * scale, ResizeFilter.Nearest);
                ImageFile.Write(Path.Combine(gridDir, $"{res}-{method.Replace(' ', '-').Replace(",", "").Replace("=", "")}.png"), ImageGrid.Tile(shown, 8));
            }
        }
        // Batched sampling through the library's pipeline (as `diffusion sample` and `pagoda sample`), kept in memory.
        (Tensor Images, double SecondsPerImage) Timed(Func<Tensor, Tensor> sample, int batch = 100)
        {
            var gen = new Generator(42);
            var (images, result) = SamplingPipeline.Collect(b => (sample(randn([b, 3, r, r], generator: gen)), 0), n, batch);
            return (images, result.SecondsPerImage);
        }
        if (gridDir is not null) Directory.CreateDirectory(gridDir);

        // Base resolution: real (eval seeds 0..) is the reference.
        var realBase = Real(r, 0, 16);
        var refBase = Features(realBase, "real");
        Add($"{r}px", "real (other eval seeds)", 0, refBase, Real(r, 500_000, 16), 0);
        var mean = realBase.mean([0]);
        var std = realBase.std([0]);
        Add($"{r}px", "per-pixel Gaussian", 0, refBase, (mean + std * randn([n, 3, r, r], generator: new Generator(7))).clamp(-1, 1), 0);
        var den = new EdmDenoiser(teacher);
        Tensor? heun = null;
        double heunSec = double.NaN;
        if (!skipTeacher)
        {
            (heun, heunSec) = Timed(z => Samplers.Heun(den, z * smax, NoiseGrid.Karras(40, sigmaMax: smax)).X);
            Add($"{r}px", "teacher Heun N=40", 79, refBase, heun, heunSec);
            foreach (var steps in new[] { 4, 8, 16 })
            {
                var (eu, euSec) = Timed(z => Samplers.Euler(den, z * smax, NoiseGrid.Karras(steps, sigmaMax: smax)).X);
                Add($"{r}px", $"teacher Euler N={steps}", steps, refBase, eu, euSec);
            }
        }
        // One base-resolution row for a one-step generator file; returns its seconds per image.
        double OneStep(OneStepGenerator g, string method)
        {
            g.eval();
            var (one, oneSec) = Timed(z => g.Forward(z * g.Cfg.SigmaMax));
            Add($"{r}px", method, 1, refBase, one, oneSec);
            return oneSec;
        }
        foreach (var (label, path) in variants)
        {
            var (g, _) = Checkpoint.Load<OneStepGenerator>(path);
            if (g.OutputResolution != r) throw new UserError($"'{path}' makes {g.OutputResolution}px images, the teacher's rows are {r}px");
            OneStep(g, $"one-step generator, {label}");
        }
        if (basePath is not null)
        {
            var oneSec = OneStep(Checkpoint.Load<OneStepGenerator>(basePath).Model, "one-step generator");
            if (!skipTeacher) Console.WriteLine($"speed-up of the one-step generator over the 79-NFE teacher: {heunSec / oneSec:0.0}x");
        }
        if (grownPath is not null)
        {
            var (g, _) = Checkpoint.Load<OneStepGenerator>(grownPath);
            g.eval();
            var hr = g.OutputResolution;
            var refHigh = Features(Real(hr, 0, 4), "real high");
            Add($"{hr}px", "real (other eval seeds)", 0, refHigh, Real(hr, 500_000, 4), 0);
            var sw = Stopwatch.StartNew();
            var bicubic = Resize.To(heun!, hr, hr, ResizeFilter.Bicubic).clamp(-1, 1);
            Add($"{hr}px", "teacher Heun N=40 + bicubic", 79, refHigh, bicubic, heunSec + sw.Elapsed.TotalSeconds / n);
            var (one, oneSec) = Timed(z => g.Forward(z * g.Cfg.SigmaMax), 50);
            Add($"{hr}px", $"one-step generator grown x{hr / r}", 1, refHigh, one, oneSec);
        }
        if (jsonOut is not null) File.WriteAllText(jsonOut, JsonSerializer.Serialize(rows, Json.Options));
        if (csvOut is not null)
            File.WriteAllLines(csvOut, rows.Select(w => string.Join(',', w.Resolution, $"\"{w.Method.Replace("\"", "\"\"")}\"", w.Nfe, w.N, Fmt(w.Fd), Fmt(w.Kid), Fmt(w.KidStd), Fmt(w.SecondsPerImage)))
                .Prepend("resolution,method,nfe,n,fd,kid,kid_std,seconds_per_image"));
    }

    static string Fmt(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
