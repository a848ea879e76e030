using System.CommandLine;
using System.Globalization;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.NovelViews;
using InstantViews.NovelViews.Evaluation;
using InstantViews.OneStep;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp eval`: methods compared on the same evaluation pairs.</summary>
public static class GenWarpEvalCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "GenWarp model (model.safetensors of a run)", Required = true };
        var baseline = new Option<string>("--baseline") { Description = "Warp-and-inpaint model (model.safetensors of a run)", Required = true };
        var pairs = new Option<int>("--pairs") { Description = "Pairs per covisibility range (mid 0.5-0.8, long 0.2-0.5)", DefaultValueFactory = _ => 64 };
        var outDir = new Option<string>("--out") { Description = "Output folder: results.csv and example grids", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Grid points (Heun: 2N-1 evaluations; twice that with guidance; default: the model's, 18)" };
        var guidance = new Option<double?>("--guidance") { Description = "GenWarp guidance scale (1 = none; default: the model's, 2)" };
        var sigmaMax = new Option<double?>("--sigma-max") { Description = "Largest noise level (default: the model's)" };
        var depthModel = new Option<string?>("--depth-model") { Description = $"Depth network for the estimated-depth table (default: models/{BuiltinDepth.ShippedFile})" };
        var spp = new Option<int>("--spp") { Description = "Render samples per pixel", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch") { Description = "Pairs per batch", DefaultValueFactory = _ => 8 };
        var sampler = NovelViewOptions.SamplerOption();
        var oneStep = new Option<string?>("--one-step") { Description = "One-step GenWarp model (genwarp distil): adds the genwarp-1step rows" };
        var grown = new Option<string?>("--grown") { Description = "Grown one-step GenWarp model (genwarp distil --grow): adds its rows, and its composed rows" };
        var noiseScale = NovelViewOptions.NoiseScaleOption();
        var resolution = new Option<int?>("--resolution") { Description = "Render the evaluation pairs at this size (default: the GenWarp model's); models working at a smaller size are upsampled (bicubic) and named KIND@SIZE" };
        var only = new Option<string[]>("--methods") { Description = "Evaluate only these methods (as named in the table, e.g. genwarp, genwarp+compose, genwarp-1step, genwarp-1step+compose, warp-inpaint, warp-inpaint+compose, warp+harmonic, warp+harmonic-far, warp-only; default: all given), on the same pairs", AllowMultipleArgumentsPerToken = true };
        var depthTables = new Option<string>("--depth") { Description = "Which source-depth tables to score: both, estimated (the depth model's) or gt (ground truth)", DefaultValueFactory = _ => "both" };
        depthTables.AcceptOnlyFromAmong("both", "estimated", "gt");
        var split = new Option<string>("--split") { Description = "Scene seeds of the pairs: test (from 1,000,000; published tables) or validation (from 2,000,000; for tuning and ablations)", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "validation");
        var cmd = new Command("eval", "Compare GenWarp (and one-step GenWarp) and warp-and-inpaint, each alone and composed into the warp, against classical (harmonic) inpainting of the warp and the grey-hole warp, on evaluation pairs by covisibility range, with estimated and true depth")
        { model, baseline, pairs, outDir, steps, guidance, sigmaMax, depthModel, spp, batch, sampler, oneStep, grown, noiseScale, resolution, only, depthTables, split };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        var composition = CompositionOptions.Create();
        composition.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var part = shard.Read(p);
            OutputPaths.Folder(p.GetValue(outDir)!);
            var genwarpViews = (SampledViews)NovelViewGenerators.Open(p.GetValue(model)!, "genwarp", ctx.Device,
                new SamplingOverrides(p.GetValue(steps), p.GetValue(sigmaMax), p.GetValue(guidance), p.GetValue(sampler)));
            var genwarp = (GenWarpModel)genwarpViews.Model;
            var sampling = genwarpViews.Sampling;
            // The baseline samples with its own header's settings: --steps, --guidance, --sigma-max and --sampler are GenWarp's.
            var inpaintViews = (SampledViews)NovelViewGenerators.Open(p.GetValue(baseline)!, "warp-inpaint", ctx.Device);
            var inpaint = (WarpInpaintModel)inpaintViews.Model;
            OneStepViews? OpenOneStep(string? path)
            {
                if (path is null) return null;
                var views = (OneStepViews)NovelViewGenerators.Open(path, "genwarp-1step", ctx.Device, new SamplingOverrides(NoiseScale: p.GetValue(noiseScale)));
                var g = views.Model;
                if (g.NetConfig.Resolution != genwarp.Cfg.Net.Resolution) throw new UserError($"'{path}': grows from {g.NetConfig.Resolution}px, the GenWarp model works at {genwarp.Cfg.Net.Resolution}px");
                return views;
            }
            var oneStepViews = OpenOneStep(p.GetValue(oneStep));
            var grownViews = OpenOneStep(p.GetValue(grown));
            if (grownViews is { Model.Cfg.Levels: 0 })
                throw new UserError($"--grown '{p.GetValue(grown)}': the model was never grown (no growth level: a distilled one-step model); give it as --one-step, or a model of genwarp distil --grow");
            var composed = composition.Settings(p);
            var res = genwarp.Cfg.Net.Resolution;
            if (inpaint.Cfg.Net.Resolution != res) throw new UserError($"the models differ in resolution: genwarp {res}px, baseline {inpaint.Cfg.Net.Resolution}px");
            var evalRes = p.GetValue(resolution) ?? res;
            if (evalRes < res) throw new UserError($"--resolution {evalRes} is below the models' {res}px");
            // Every model alone and composed into the same warp, classical inpainting of that warp, and the grey-hole warp as a reference line.
            var methods = new List<ComparedMethod>
            {
                ComparedMethod.From(genwarpViews, genwarp.ParameterCount, evalRes),
                ComparedMethod.Composed(genwarpViews, genwarp.ParameterCount, evalRes, composition: composed),
                ComparedMethod.From(inpaintViews, inpaint.ParameterCount, evalRes),
                ComparedMethod.Composed(inpaintViews, inpaint.ParameterCount, evalRes, composition: composed),
                ComparedMethod.WarpHarmonic,
                ComparedMethod.WarpHarmonicFarSide(composed.BaselineFarSide, composed.FarSideReach),
                ComparedMethod.WarpOnly,
            };
            var position = 2;
            foreach (var views in new[] { oneStepViews, grownViews })
            {
                if (views is null) continue;
                methods.Insert(position++, ComparedMethod.From(views, views.Model.ParameterCount, evalRes, views.Model.Cfg.Levels > 0 ? $"genwarp-1step-{views.Resolution}" : null));
                methods.Insert(position++, ComparedMethod.Composed(views, views.Model.ParameterCount, evalRes, views.Model.Cfg.Levels > 0 ? $"genwarp-1step-{views.Resolution}+compose" : null, composed));
            }
            if (methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new UserError($"--one-step '{p.GetValue(oneStep)}' and --grown '{p.GetValue(grown)}' give the same method '{twice.Key}' (models of the same size); give each size once");
            if (p.GetValue(only) is { Length: > 0 } names)
            {
                foreach (var n in names.Where(n => methods.All(m => m.Name != n)))
                    throw new UserError($"--methods: no method '{n}' here (available: {string.Join(", ", methods.Select(m => m.Name))})");
                methods = methods.Where(m => names.Contains(m.Name)).ToList();
            }
            var settings = new ComparisonSettings
            {
                PairsPerRange = p.GetValue(pairs),
                Batch = p.GetValue(batch),
                Spp = p.GetValue(spp),
                Seed = ctx.Seed,
                Split = p.GetValue(split) == "validation" ? Scenes.SceneSplit.Validation : Scenes.SceneSplit.Eval,
                DepthModel = p.GetValue(depthModel) ?? BuiltinDepth.FindShipped(),
                Depths = p.GetValue(depthTables) switch { "estimated" => DepthTables.Estimated, "gt" => DepthTables.GroundTruth, _ => DepthTables.Both },
                Recorded = part.Count == 1 ? new Dictionary<string, string>() : new Dictionary<string, string>
                {
                    ["--model"] = Checkpoint.ContentHash(p.GetValue(model)!),
                    ["--baseline"] = Checkpoint.ContentHash(p.GetValue(baseline)!),
                    ["--one-step"] = p.GetValue(oneStep) is { } o ? Checkpoint.ContentHash(o) : "(none)",
                    ["--grown"] = p.GetValue(grown) is { } g ? Checkpoint.ContentHash(g) : "(none)",
                    ["--sampler"] = sampling.Sampler,
                    ["--steps"] = sampling.Steps.ToString(CultureInfo.InvariantCulture),
                    ["--guidance"] = sampling.Guidance.ToString("R", CultureInfo.InvariantCulture),
                    ["--sigma-max"] = sampling.SigmaMax.ToString("R", CultureInfo.InvariantCulture),
                    ["composition"] = FormattableString.Invariant($"feather {composed.FeatherFraction} small-holes {composed.SmallHoleRadius} colour-match {composed.ColourMatch} reach {composed.ColourMatchRadius} poisson {composed.PoissonDetail?.ToString(CultureInfo.InvariantCulture) ?? "off"}"),
                },
            };
            var dir = p.GetValue(outDir)!;
            var result = NovelViewComparison.Run(methods, evalRes, settings, dir, ctx.Device, part);
            foreach (var note in result.Notes) Console.WriteLine($"note: {note}");
            if (part.Count > 1) return 0;
            var multiStep = result.Rows.FirstOrDefault(r => r.Method.StartsWith("genwarp", StringComparison.Ordinal) && !r.Method.StartsWith("genwarp-1step", StringComparison.Ordinal));
            var oneStepRow = result.Rows.FirstOrDefault(r => r.Method.StartsWith("genwarp-1step", StringComparison.Ordinal));
            var samplingText = multiStep is null ? "" : $"GenWarp sampling: {sampling.Sampler} {sampling.Steps} points, guidance {sampling.Guidance.ToString(CultureInfo.InvariantCulture)}, NFE {multiStep.Nfe} per view; ";
            var oneStepText = oneStepRow is null ? "" : $"genwarp-1step: NFE {oneStepRow.Nfe} per view; ";
            var preserverText = multiStep is null && oneStepRow is null ? "" : "NFE counts GenWarp's semantic-preserver pass; ";
            Console.WriteLine($"{p.GetValue(split)} pairs at {evalRes}px; {samplingText}{oneStepText}{preserverText}{result.Minutes:0.0} min");
            PrintRows(result.Rows);
            Console.WriteLine($"wrote {Path.Combine(dir, "results.csv")} and example grids (source | warped | generated | ground truth)");
            return 0;
        });
        return cmd;
    }

    internal static void PrintRows(IEnumerable<EvalRow> rows)
    {
        Console.WriteLine($"{"method",-26} {"range",-5} {"depth",-9} {"n",4} {"nfe",4} {"psnr",7} {"ssim",6} {"percept",8} {"kid",9} {"fd",9} {"psnr vis",8} {"psnr occ",8}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Method,-26} {r.Range,-5} {r.Depth,-9} {r.N,4} {r.Nfe,4} {r.Psnr,7:0.00} {r.Ssim,6:0.000} {r.Perceptual,8:0.0000} {r.Kid,9:0.00000} {r.Fd,9:0.00} {r.PsnrCovisible,8:0.00} {r.PsnrOccluded,8:0.00}");
    }
}
