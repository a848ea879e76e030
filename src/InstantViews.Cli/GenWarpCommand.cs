using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.GenWarp.Depth;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp train|eval`, `instantviews nvs` and `instantviews orbit`.</summary>
public static class GenWarpCommand
{
    public static Command Build()
    {
        var cmd = new Command("genwarp", "Train and evaluate GenWarp and the warp-and-inpaint baseline on procedural scene pairs");
        cmd.Subcommands.Add(BuildTrain());
        cmd.Subcommands.Add(BuildEval());
        cmd.Subcommands.Add(BuildEvalMerge());
        cmd.Subcommands.Add(BuildPairs());
        cmd.Subcommands.Add(BuildDistil());
        return cmd;
    }

    static IDepthEstimator? PairDepth(string spec, Device device) => spec == "gt" ? null : DepthSource.Open(spec, device);

    static Command BuildPairs()
    {
        var teacher = new Option<string>("--teacher") { Description = "GenWarp teacher (model.safetensors)", Required = true };
        var count = new Option<int>("--count") { Description = "Number of scene pairs", DefaultValueFactory = _ => 1024 };
        var outDir = new Option<string>("--out") { Description = "Pairs folder (chunk files; re-running resumes)", Required = true };
        var steps = new Option<int>("--steps") { Description = "Inversion grid points (reverse Heun, 2N-1 evaluations per pair, twice that with guidance)", DefaultValueFactory = _ => 18 };
        var guidance = new Option<double>("--guidance") { Description = "Guidance scale of the inverted field (1 = the conditional model's own ODE)", DefaultValueFactory = _ => 1 };
        var depth = new Option<string>("--depth") { Description = "Source depth of the pairs: gt, builtin or builtin:FILE.safetensors", DefaultValueFactory = _ => "builtin" };
        var chunk = new Option<int>("--chunk") { Description = "Pairs per chunk file", DefaultValueFactory = _ => 32 };
        var cmd = new Command("pairs", "Invert real target views of scene pairs to noise along the teacher's conditional PF-ODE: one-step GenWarp's (condition, z) pairs")
        { teacher, count, outDir, steps, guidance, depth, chunk };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (model, header) = Checkpoint.Load<GenWarpModel>(p.GetValue(teacher)!, ctx.Device);
            var (i, n) = shard.Read(p);
            if (p.GetValue(steps) < 2) throw new UserError($"--steps must be at least 2, got {p.GetValue(steps)}");
            if (p.GetValue(chunk) < 1) throw new UserError($"--chunk must be at least 1, got {p.GetValue(chunk)}");
            var w = p.GetValue(guidance);
            if (!double.IsFinite(w) || w < 0) throw new UserError($"--guidance must be a finite number >= 0, got {w}");
            var config = new NovelViewPairsConfig
            {
                Resolution = model.Cfg.Net.Resolution,
                Seed = ctx.Seed,
                Depth = p.GetValue(depth)!,
                Guidance = w,
                Steps = p.GetValue(steps),
                SigmaMax = SamplingDefaults.Of(header).SigmaMax,
            };
            using var data = new ScenePairs(config.Stream(), PairDepth(config.Depth, ctx.Device));
            var chunks = new Pagoda.PairsConfig { Count = p.GetValue(count), ChunkSize = p.GetValue(chunk), ShardIndex = i, ShardCount = n };
            var clock = Stopwatch.StartNew();
            var files = NovelViewPairSet.Build(model, data, config, chunks, p.GetValue(outDir)!, ctx.Device);
            var set = NovelViewPairSet.Load(p.GetValue(outDir)!);
            var nfe = (2 * config.Steps - 1) * (w == 1 ? 1 : 2);
            Console.WriteLine($"{files.Count} chunks for shard {i}/{n} in {p.GetValue(outDir)} ({set.Count} pairs in the folder); {nfe} NFE per pair; " +
                              $"round-trip PSNR {set.RoundTripPsnr:0.00} dB; {clock.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return cmd;
    }

    static Command BuildDistil()
    {
        var teacher = new Option<string?>("--teacher") { Description = "GenWarp teacher the generator starts from (a new run), also the grids' multi-step column" };
        var pairs = new Option<string>("--pairs") { Description = "Pairs folder or file from `genwarp pairs`", Required = true };
        var outDir = new Option<string>("--out") { Description = "Run folder", Required = true };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this much wall time" };
        var steps = new Option<long?>("--steps") { Description = "Stop at this total step count" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out exactly" };
        var batch = new Option<int>("--batch") { Description = "Pairs per batch", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Generator learning rate", DefaultValueFactory = _ => 1e-4 };
        var adv = new Option<double>("--adversarial-weight") { Description = "w of L_rec + w lambda L_G (0: reconstruction only)", DefaultValueFactory = _ => 0.2 };
        var featureSize = new Option<int>("--feature-size") { Description = "Views are upsampled to at least this size for the ResNet-18 (loss and discriminator)", DefaultValueFactory = _ => 64 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "Steps between sample grids", DefaultValueFactory = _ => 200 };
        var discCondition = new Option<string>("--disc-condition") { Description = "What the discriminator sees besides the view: none, or warp (the forward-warped source)", DefaultValueFactory = _ => "none" };
        discCondition.AcceptOnlyFromAmong(OneStepTrainConfig.DiscriminatorConditions);
        var grow = new Option<string?>("--grow") { Description = "Instead of --teacher: grow this one-step model by one level (2x the size; PaGoDA's growth stage), trained on the pairs rendered at the new size" };
        var levelGuide = new Option<string>("--level-guide") { Description = "With --grow: what the new level sees of the source: warp (the warped source RGB and holes at its size) or none", DefaultValueFactory = _ => "warp" };
        levelGuide.AcceptOnlyFromAmong(OneStepGenWarpConfig.LevelGuides);
        var levelChannels = new Option<int?>("--level-channels") { Description = "With --grow: channels of the new level (default: the model's, 32)" };
        var cmd = new Command("distil", "Distil a GenWarp teacher into a one-step generator (PaGoDA's base stage for novel views), or grow one by a level (--grow); --resume continues exactly")
        { teacher, grow, pairs, outDir, minutes, steps, resume, batch, lr, adv, featureSize, sampleEvery, discCondition, levelGuide, levelChannels };
        cmd.Options.Add(Cli.CheckpointMinutesOption);
        cmd.Options.Add(Cli.CheckpointEveryOption);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            if (p.GetValue(minutes) is null && p.GetValue(steps) is null) throw new UserError("give --minutes or --steps");
            var set = NovelViewPairSet.Load(p.GetValue(pairs)!);
            var dir = p.GetValue(outDir)!;
            var depth = PairDepth(set.Config.Depth, ctx.Device);
            OneStepTrainer trainer;
            if (p.GetValue(resume))
            {
                trainer = OneStepTrainer.Resume(dir, set, depth, ctx.Device);
                Cli.NoteIgnoredOnResume(p, teacher, grow, batch, lr, adv, featureSize, sampleEvery, discCondition, levelGuide, levelChannels);
            }
            else
            {
                if (p.GetValue(teacher) is not null == p.GetValue(grow) is not null) throw new UserError("a new run needs either --teacher (distil) or --grow (grow a one-step model)");
                var teacherPath = p.GetValue(teacher) ?? p.GetValue(grow)!;
                var train = new OneStepTrainConfig
                {
                    BatchSize = p.GetValue(batch),
                    LearningRate = p.GetValue(lr),
                    AdversarialWeight = p.GetValue(adv),
                    FeatureSize = p.GetValue(featureSize),
                    CheckpointEvery = p.GetValue(Cli.CheckpointEveryOption) ?? 50,
                    SampleEvery = p.GetValue(sampleEvery),
                    DiscriminatorCondition = p.GetValue(discCondition)!,
                    Seed = ctx.Seed,
                    Teacher = p.GetValue(teacher) is null ? null : Path.GetFullPath(teacherPath),
                };
                if (p.GetValue(grow) is { } from)
                {
                    var (oneStep, _) = Checkpoint.Load<OneStepGenWarp>(from, ctx.Device);
                    trainer = OneStepTrainer.Grow(oneStep, train, set, depth, dir, p.GetValue(levelChannels), p.GetValue(levelGuide), ctx.Device);
                }
                else
                {
                    var (model, _) = Checkpoint.Load<GenWarpModel>(teacherPath, ctx.Device);
                    trainer = OneStepTrainer.Create(model, train, set, depth, dir, ctx.Device);
                }
            }
            using (trainer)
            {
                var g = trainer.Generator;
                var what = g.Cfg.Levels == 0 ? "distilling one-step GenWarp" : $"growing one-step GenWarp to {g.OutputResolution}px (level {g.Cfg.Levels}, guide {g.Cfg.LevelGuide})";
                Console.WriteLine($"{what} ({g.ParameterCount / 1e6:0.00}M parameters) from {set.Count} pairs " +
                                  $"(inverted with guidance {set.Config.Guidance}, depth {set.Config.Depth}), from step {trainer.Step}");
                Cli.Train(trainer, p, p.GetValue(steps), p.GetValue(minutes));
            }
            return 0;
        });
        return cmd;
    }

    static Command BuildTrain()
    {
        var kind = new Option<string>("--kind") { Description = "genwarp or warp-inpaint (the baseline)", DefaultValueFactory = _ => "genwarp" };
        kind.AcceptOnlyFromAmong("genwarp", "warp-inpaint");
        var outDir = new Option<string>("--out") { Description = "Run folder (checkpoints, samples, loss log)", Required = true };
        var res = new Option<int>("--resolution") { Description = "Training resolution (square, multiple of 4)", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--channels") { Description = "U-Net base width", DefaultValueFactory = _ => 32 };
        var attentionAt = new Option<int[]>("--attention-resolutions") { Description = "Feature resolutions with self-attention (default: resolution/2 and resolution/4)", AllowMultipleArgumentsPerToken = true };
        var attention = new Option<string>("--attention")
        {
            Description = "GenWarp self-attention: coordinate (an InstantViews extension: warped/source coordinate embeddings projected into queries and keys) or paper (GenWarp as published: reference tokens only)",
            DefaultValueFactory = _ => "coordinate",
        };
        attention.AcceptOnlyFromAmong("coordinate", "paper");
        var global = new Option<string>("--global") { Description = "Global source embedding: learned or resnet18", DefaultValueFactory = _ => "learned" };
        global.AcceptOnlyFromAmong("learned", "resnet18");
        var depth = new Option<string>("--depth") { Description = "Source depth for training: gt, builtin or builtin:FILE.safetensors (estimated, to learn robustness)", DefaultValueFactory = _ => "gt" };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this much wall time" };
        var steps = new Option<long?>("--steps") { Description = "Stop at this total step count" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint" };
        var batch = new Option<int>("--batch") { Description = "Pairs per batch", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Learning rate (Adam)", DefaultValueFactory = _ => 5e-4 };
        var spp = new Option<int>("--spp") { Description = "Render samples per pixel", DefaultValueFactory = _ => 2 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "Steps between sample grids", DefaultValueFactory = _ => 500 };
        var cmd = new Command("train", "Train GenWarp (or the baseline) on streamed scene pairs, covisibility 0.2-0.95; --resume continues exactly")
        { kind, outDir, res, channels, attention, attentionAt, global, depth, minutes, steps, resume, batch, lr, spp, sampleEvery };
        cmd.Options.Add(Cli.CheckpointMinutesOption);
        cmd.Options.Add(Cli.CheckpointEveryOption);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var r = p.GetValue(res);
            if (!p.GetValue(resume) && (r < 8 || r % 4 != 0)) throw new UserError($"--resolution must be a multiple of 4 and >= 8, got {r}");
            if (p.GetValue(minutes) is null && p.GetValue(steps) is null) throw new UserError("give --minutes or --steps");
            var dir = p.GetValue(outDir)!;
            // A resumed run keeps the depth source it started with.
            var depthSpec = p.GetValue(resume) ? GenWarpTrainer.ReadSettings<PairTrainConfig>(dir).Depth : p.GetValue(depth)!;
            IDepthEstimator? estimator = depthSpec == "gt" ? null : DepthSource.Open(depthSpec, ctx.Device);
            GenWarpTrainer trainer;
            if (p.GetValue(resume))
            {
                trainer = GenWarpTrainer.Resume(dir, ctx.Device, estimator);
                Cli.NoteIgnoredOnResume(p, kind, res, channels, attention, attentionAt, global, depth, batch, lr, spp, sampleEvery);
            }
            else
            {
                var settings = new PairTrainConfig
                {
                    Train = new PairTrainConfig().Train with { BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = ctx.Seed, SampleEvery = p.GetValue(sampleEvery) },
                    Resolution = r,
                    Spp = p.GetValue(spp),
                    Depth = depthSpec,
                };
                var net = new GenWarpConfig().Net with { Resolution = r, Channels = p.GetValue(channels), AttentionResolutions = p.GetValue(attentionAt) is { Length: > 0 } a ? a : [r / 2, r / 4] };
                if (p.GetValue(attention) == "paper") net = net with { PositionChannels = 0, PositionMatchChannels = null };
                object config = p.GetValue(kind) == "genwarp"
                    ? new GenWarpConfig { Net = net, GlobalEmbedding = p.GetValue(global) == "resnet18" ? GlobalEmbeddingKind.ResNet18 : GlobalEmbeddingKind.Learned }
                    : new WarpInpaintConfig { Net = WarpInpaintConfig.ForGenWarpNet(net) };
                trainer = GenWarpTrainer.Create(p.GetValue(kind)!, config, settings, dir, ctx.Device, estimator);
            }
            using (trainer)
            {
                var parameters = trainer.Model.parameters().Sum(t => t.numel());
                Console.WriteLine($"training {((ICheckpointable)trainer.Model).Kind} ({parameters / 1e6:0.00}M parameters) on {trainer.Settings.Resolution}px scene pairs, depth {trainer.Settings.Depth}, from step {trainer.Step}");
                Cli.Train(trainer, p, p.GetValue(steps), p.GetValue(minutes));
            }
            return 0;
        });
        return cmd;
    }

    static Command BuildEval()
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
        var sampler = SamplerOption();
        var oneStep = new Option<string?>("--one-step") { Description = "One-step GenWarp model (genwarp distil): adds the genwarp-1step rows" };
        var grown = new Option<string?>("--grown") { Description = "Grown one-step GenWarp model (genwarp distil --grow): adds its rows, and its composed rows" };
        var resolution = new Option<int?>("--resolution") { Description = "Render the evaluation pairs at this size (default: the GenWarp model's); models working at a smaller size are upsampled (bicubic) and named KIND@SIZE" };
        var only = new Option<string[]>("--methods") { Description = "Evaluate only these methods (as named in the table, e.g. genwarp, genwarp-1step, genwarp-1step+compose, warp-inpaint, warp-only; default: all given), on the same pairs", AllowMultipleArgumentsPerToken = true };
        var depthTables = new Option<string>("--depth") { Description = "Which source-depth tables to score: both, estimated (the depth model's) or gt (ground truth)", DefaultValueFactory = _ => "both" };
        depthTables.AcceptOnlyFromAmong("both", "estimated", "gt");
        var cmd = new Command("eval", "Compare GenWarp (and one-step GenWarp), warp-and-inpaint and warp-only on evaluation pairs by covisibility range, with estimated and true depth")
        { model, baseline, pairs, outDir, steps, guidance, sigmaMax, depthModel, spp, batch, sampler, oneStep, grown, resolution, only, depthTables };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var part = shard.Read(p);
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (genwarp, header) = Checkpoint.Load<GenWarpModel>(p.GetValue(model)!, ctx.Device);
            var (inpaint, _) = Checkpoint.Load<WarpInpaintModel>(p.GetValue(baseline)!, ctx.Device);
            genwarp.eval();
            inpaint.eval();
            OneStepViews? OpenOneStep(string? path)
            {
                if (path is null) return null;
                var (g, _) = Checkpoint.Load<OneStepGenWarp>(path, ctx.Device);
                g.eval();
                if (g.NetConfig.Resolution != genwarp.Cfg.Net.Resolution) throw new UserError($"'{path}': grows from {g.NetConfig.Resolution}px, the GenWarp model works at {genwarp.Cfg.Net.Resolution}px");
                return new OneStepViews(g);
            }
            var oneStepViews = OpenOneStep(p.GetValue(oneStep));
            var grownViews = OpenOneStep(p.GetValue(grown));
            if (grownViews is { Model.Cfg.Levels: 0 })
                throw new UserError($"--grown '{p.GetValue(grown)}': the model was never grown (no growth level: a distilled one-step model); give it as --one-step, or a model of genwarp distil --grow");
            var res = genwarp.Cfg.Net.Resolution;
            if (inpaint.Cfg.Net.Resolution != res) throw new UserError($"the models differ in resolution: genwarp {res}px, baseline {inpaint.Cfg.Net.Resolution}px");
            var evalRes = p.GetValue(resolution) ?? res;
            if (evalRes < res) throw new UserError($"--resolution {evalRes} is below the models' {res}px");
            var defaults = SamplingDefaults.Of(header);
            var sampling = new NovelViewSampling(p.GetValue(steps) ?? defaults.Steps, p.GetValue(sigmaMax) ?? defaults.SigmaMax, p.GetValue(guidance) ?? defaults.Guidance, p.GetValue(sampler)!);
            var methods = new List<ComparedMethod>
            {
                ComparedMethod.From(new SampledViews(genwarp, sampling), genwarp.ParameterCount, evalRes),
                ComparedMethod.From(new SampledViews(inpaint, sampling with { Guidance = 1 }), inpaint.ParameterCount, evalRes),
                ComparedMethod.WarpOnly,
            };
            var position = 1;
            foreach (var views in new[] { oneStepViews, grownViews })
            {
                if (views is null) continue;
                methods.Insert(position++, ComparedMethod.From(views, views.Model.ParameterCount, evalRes, views.Model.Cfg.Levels > 0 ? $"genwarp-1step-{views.Resolution}" : null));
                methods.Insert(position++, ComparedMethod.Composed(views, views.Model.ParameterCount, views.Model.Cfg.Levels > 0 ? $"genwarp-1step-{views.Resolution}+compose" : null));
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
            Console.WriteLine($"pairs at {evalRes}px; {samplingText}{oneStepText}{preserverText}{result.Minutes:0.0} min");
            PrintRows(result.Rows);
            Console.WriteLine($"wrote {Path.Combine(dir, "results.csv")} and example grids (source | warped | generated | ground truth)");
            return 0;
        });
        return cmd;
    }

    static void PrintRows(IEnumerable<EvalRow> rows)
    {
        Console.WriteLine($"{"method",-26} {"range",-5} {"depth",-9} {"n",4} {"nfe",4} {"psnr",7} {"ssim",6} {"percept",8} {"kid",9} {"fd",9} {"psnr vis",8} {"psnr occ",8}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Method,-26} {r.Range,-5} {r.Depth,-9} {r.N,4} {r.Nfe,4} {r.Psnr,7:0.00} {r.Ssim,6:0.000} {r.Perceptual,8:0.0000} {r.Kid,9:0.00000} {r.Fd,9:0.00} {r.PsnrCovisible,8:0.00} {r.PsnrOccluded,8:0.00}");
    }

    static Command BuildEvalMerge()
    {
        var outDir = new Option<string>("--out") { Description = "The --out folder the shards of genwarp eval --shard wrote into", Required = true };
        var cmd = new Command("eval-merge", "Merge the shards of a sharded genwarp eval (--shard i/n) into its table and results.csv, as one process would have written them") { outDir };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var dir = p.GetValue(outDir)!;
            var result = NovelViewComparison.Merge(dir);
            foreach (var note in result.Notes.Where(n => !n.StartsWith("shard ", StringComparison.Ordinal))) Console.WriteLine($"note: {note}");
            PrintRows(result.Rows);
            Console.WriteLine($"wrote {Path.Combine(dir, "results.csv")}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Options of the generating verbs (nvs, orbit).</summary>
    sealed record GenerateOptions(Option<string> Model, Option<int?> Steps, Option<double?> Guidance, Option<double?> SigmaMax, Option<double> MaxStep, Option<string> Sampler,
        Option<string> Compose, Option<int> MaxSize)
    {
        /// <summary>
        /// The photo capped to --max-size (refused when the cap would leave a side under 8 pixels, as `view` does), and
        /// whether views are composed at that size (--compose full) or the model's own output.
        /// </summary>
        public (Tensor Rgb, Tensor Depth, Geometry.Camera Camera, bool Full) Photo(ParseResult p, SourceView view, string name)
        {
            ViewComposition.RequireCappedSize(name, (int)view.Rgb.shape[1], (int)view.Rgb.shape[2], p.GetValue(MaxSize));
            var (rgb, depth, cam) = NovelViewPipeline.Cap(view.Rgb, view.Depth, view.Camera, p.GetValue(MaxSize));
            return (rgb, depth, cam, p.GetValue(Compose) == "full");
        }

        public static GenerateOptions Create() => new(
            new Option<string>("--model") { Description = "GenWarp (or warp-inpaint) model file", Required = true },
            new Option<int?>("--steps") { Description = "Grid points (Heun: 2N-1 evaluations; twice that with guidance; default: the model's, 18)" },
            new Option<double?>("--guidance") { Description = "Guidance scale (1 = none; the unconditional branch drops the global embedding and reference tokens; default: the model's, 2 for GenWarp)" },
            new Option<double?>("--sigma-max") { Description = "Largest noise level (default: the model's)" },
            new Option<double>("--max-step") { Description = "Largest rotation (degrees) per generation; larger moves go through intermediate cameras, feeding outputs back (0 = one jump)", DefaultValueFactory = _ => 0 },
            SamplerOption(),
            ComposeOption(),
            new Option<int>("--max-size") { Description = "With --compose full: the longest side of the output view (larger photos are scaled down)", DefaultValueFactory = _ => 1024 });

        static Option<string> ComposeOption()
        {
            var o = new Option<string>("--compose")
            {
                Description = "full: the view at the photo's size (the full-resolution warp where the source sees, the generated view, upsampled, in the holes, across a feathered seam); model: the model's own output at its working size",
                DefaultValueFactory = _ => "full",
            };
            o.AcceptOnlyFromAmong("full", "model");
            return o;
        }

        public void AddTo(Command cmd)
        {
            foreach (var o in new Option[] { Model, Steps, Guidance, SigmaMax, MaxStep, Sampler, Compose, MaxSize }) cmd.Options.Add(o);
        }

        public NovelViewPipeline Load(ParseResult p, Device device) => new(OpenGenerator(p.GetValue(Model)!, device,
            (header, kind) =>
            {
                var defaults = SamplingDefaults.Of(header);
                return new NovelViewSampling(p.GetValue(Steps) ?? defaults.Steps, p.GetValue(SigmaMax) ?? defaults.SigmaMax,
                    kind == "warp-inpaint" ? 1 : p.GetValue(Guidance) ?? defaults.Guidance, p.GetValue(Sampler)!);
            }), device);
    }

    /// <summary>"N semantic-preserver pass(es), " when the generator ran its preserver (not counted in NFE), else "".</summary>
    static string Preserver(int passes) => passes == 0 ? "" : $"{passes} semantic-preserver pass{(passes == 1 ? "" : "es")}, ";

    /// <summary>A novel-view generator from a model file: GenWarp or warp-inpaint with its sampler, or a one-step GenWarp.</summary>
    internal static INovelViewGenerator OpenGenerator(string path, Device device, Func<CheckpointHeader, string, NovelViewSampling> sampling)
    {
        var (module, header) = Checkpoint.Load(path, device);
        module.eval();
        return module switch
        {
            OneStepGenWarp oneStep => new OneStepViews(oneStep),
            INovelViewModel model => new SampledViews(model, sampling(header, header.Kind)),
            _ => throw new UserError($"'{path}': holds a '{header.Kind}' model, expected genwarp, genwarp-1step or warp-inpaint"),
        };
    }

    static Option<string> SamplerOption()
    {
        var o = new Option<string>("--sampler") { Description = "heun (2N-1 evaluations), euler (N), dpm++2m (N) or sde (2N-1, stochastic)", DefaultValueFactory = _ => "heun" };
        o.AcceptOnlyFromAmong([.. SamplerRegistry.Names]);
        return o;
    }

    static Func<Tensor, Geometry.Camera, Tensor>? Redepth(SourceView view) =>
        view.CanReestimate ? (rgb, cam) => view.Estimator.Estimate(rgb, cam) : null;

    /// <summary>Where nvs writes the generated view alone: beside --out, named NAME-generated.png.</summary>
    internal static string NvsGeneratedPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-generated.png");

    public static Command BuildNvs()
    {
        var src = SourceView.Options.Create();
        var gen = GenerateOptions.Create();
        var target = new Option<string>("--target") { Description = "Target camera: JSON, orbit:yaw,pitch,radius (degrees, metres; radius 0 = median depth) or move:dx,dy,dz,yaw,pitch (source camera axes)", Required = true };
        var targetFrame = new Option<int>("--target-frame") { Description = "Frame of a cameras.json given to --target", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Output PNG: source | warped | generated side by side (the generated view alone goes beside it as *-generated.png)", Required = true };
        var cmd = new Command("nvs", "Generate one novel view of an image with GenWarp") { target, targetFrame, output };
        src.AddTo(cmd);
        gen.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            // Every file nvs writes is checked before any work: the side-by-side (--out) and the view beside it.
            var path = OutputPaths.File(p.GetValue(output)!, ".png");
            var generatedPath = NvsGeneratedPath(path);
            try { OutputPaths.File(generatedPath, ".png"); }
            catch (UserError e) { throw new UserError($"{e.Message} (nvs writes the generated view there, beside --out '{path}')"); }
            var pipeline = gen.Load(p, ctx.Device);
            var view = src.Read(p, ctx.Device);
            var (photo, photoDepth, photoCam, full) = gen.Photo(p, view, p.GetValue(src.Image)!);
            var (rgb, depth, cam) = full ? (photo, photoDepth, photoCam) : pipeline.Prepare(photo, photoDepth, photoCam);
            var tgt = Geometry.CameraTargets.Target(p.GetValue(target)!, view.Camera, view.MedianDepth, p.GetValue(targetFrame)).Scaled(cam.Width, cam.Height);
            var clock = Stopwatch.StartNew();
            var r = full
                ? pipeline.GenerateComposed(rgb, depth, cam, tgt, ctx.Seed, p.GetValue(gen.MaxStep), Redepth(view))
                : pipeline.Generate(rgb, depth, cam, tgt, ctx.Seed, p.GetValue(gen.MaxStep), Redepth(view));
            var sheetIsNew = !File.Exists(path);
            ImageFile.Write(path, ImageGrid.Tile([rgb, r.Warped, r.Generated], 3));
            try { ImageFile.Write(generatedPath, r.Generated); }
            catch when (sheetIsNew)
            {
                File.Delete(path); // both files or neither
                throw;
            }
            var generatedAt = pipeline.WorkingSize(cam.Height, cam.Width);
            Console.WriteLine($"depth: {view.Estimator.Description}; view {cam.Width}x{cam.Height} ({(full ? $"composed, generated at {generatedAt.Width}x{generatedAt.Height}" : "model output")}), {r.Steps} step(s), NFE {r.Nfe}, {Preserver(r.PreserverPasses)}{clock.Elapsed.TotalSeconds:0.00} s; wrote {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Refuses orbit frames (the view enlarged --zoom times) larger than <see cref="AnimationWriter.MaxFramePixels"/>, naming their size.</summary>
    internal static void CheckOrbitFrameSize(int width, int height, int zoom)
    {
        long w = (long)width * zoom, h = (long)height * zoom, max = AnimationWriter.MaxFramePixels;
        if (w * h <= max) return;
        var most = (int)Math.Sqrt((double)max / ((long)width * height));
        while ((long)(most + 1) * (most + 1) * width * height <= max) most++;
        while (most > 0 && (long)most * most * width * height > max) most--;
        var hint = most >= 1 ? $"use --zoom {most} or less" : "lower --max-size";
        throw new UserError($"--zoom {zoom} makes {w}x{h} frames of the {width}x{height} view ({w * h / (double)(1 << 20):0.0} megapixels); " +
                            $"an orbit frame is at most {max >> 20} megapixels ({hint})");
    }

    public static Command BuildOrbit()
    {
        var src = SourceView.Options.Create();
        var gen = GenerateOptions.Create();
        var frames = new Option<int>("--frames") { Description = "Number of frames", DefaultValueFactory = _ => 16 };
        var yawRange = new Option<double>("--yaw-range") { Description = "Total yaw swept around the scene centre (degrees), centred on the source view", DefaultValueFactory = _ => 30 };
        var pitch = new Option<double>("--pitch") { Description = "Pitch of every frame (degrees)", DefaultValueFactory = _ => 0 };
        var consistent = new Option<bool>("--consistent-noise") { Description = "Use the same initial noise for every frame (less jitter across the sweep)" };
        var delay = new Option<int>("--delay") { Description = "Frame delay (ms, 0-655350: a GIF stores it as a 16-bit count of centiseconds)", DefaultValueFactory = _ => 100 };
        var zoom = new Option<int>("--zoom") { Description = "Enlarge the written frames this many times (1-16, nearest neighbour; at most 16 megapixels a frame), for viewing small models' output", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Animation: .png (animated PNG) or .gif", Required = true };
        var cmd = new Command("orbit", "Animate views orbiting the scene of one image (GenWarp)") { frames, yawRange, pitch, consistent, delay, zoom, output };
        src.AddTo(cmd);
        gen.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var path = OutputPaths.File(p.GetValue(output)!, ".png", ".gif");
            var n = p.GetValue(frames);
            if (n < 1) throw new UserError($"--frames must be at least 1, got {n}");
            var z = p.GetValue(zoom);
            var pipeline = gen.Load(p, ctx.Device);
            var view = src.Read(p, ctx.Device);
            var (photo, photoDepth, photoCam, full) = gen.Photo(p, view, p.GetValue(src.Image)!);
            var (rgb, depth, cam) = full ? (photo, photoDepth, photoCam) : pipeline.Prepare(photo, photoDepth, photoCam);
            CheckOrbitFrameSize(cam.Width, cam.Height, z);
            var range = p.GetValue(yawRange);
            var clock = Stopwatch.StartNew();
            var (nfe, preserver) = (0, 0);
            // Frames go to the encoder as they are made (enlarged by the encoder): memory does not grow with --frames or --zoom.
            using (var writer = AnimationWriter.Create(path, AnimationWriter.FormatOf(path)!.Value, cam.Width, cam.Height, n, p.GetValue(delay), z))
            {
                using (var progress = Progress.Start("orbit", n, "frames"))
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var scope = NewDisposeScope();
                        var yaw = n == 1 ? 0 : -range / 2 + range * i / (n - 1);
                        var spec = string.Create(CultureInfo.InvariantCulture, $"orbit:{yaw},{p.GetValue(pitch)},0");
                        var tgt = Geometry.CameraTargets.Target(spec, view.Camera, view.MedianDepth).Scaled(cam.Width, cam.Height);
                        var seed = p.GetValue(consistent) ? ctx.Seed : ctx.Seed + i;
                        var r = full
                            ? pipeline.GenerateComposed(rgb, depth, cam, tgt, seed, p.GetValue(gen.MaxStep), Redepth(view))
                            : pipeline.Generate(rgb, depth, cam, tgt, seed, p.GetValue(gen.MaxStep), Redepth(view));
                        nfe += r.Nfe;
                        preserver += r.PreserverPasses;
                        writer.Add(r.Generated);
                        progress.Advance(1);
                    }
                }
                writer.Commit();
            }
            Console.WriteLine($"depth: {view.Estimator.Description}; {n} frames at {cam.Width}x{cam.Height}, yaw {-range / 2:0.#}..{range / 2:0.#} degrees, NFE {nfe} in total, {Preserver(preserver)}{clock.Elapsed.TotalSeconds:0.0} s; wrote {path}");
            return 0;
        });
        return cmd;
    }
}
