using System.CommandLine;
using System.Diagnostics;
using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda pairs|merge|train|sample|upscale`: the PaGoDA workflow, one command per stage.</summary>
public static class PagodaCommand
{
    public static Command Build()
    {
        var cmd = new Command("pagoda", "One-step generation: distil a low-resolution diffusion teacher and grow it to higher resolution");
        cmd.Subcommands.Add(BuildPairs());
        cmd.Subcommands.Add(BuildMerge());
        cmd.Subcommands.Add(BuildTrain());
        cmd.Subcommands.Add(BuildSample());
        cmd.Subcommands.Add(BuildUpscale());
        return cmd;
    }

    /// <summary>Deterministic items at the final resolution: scene view i, or folder image i.</summary>
    static PairBuilder.ItemSource Items(string data, int resolution, long seed, int count)
    {
        if (data == "scenes")
        {
            var stream = new SceneStream(new SceneStreamConfig(resolution, resolution, 4, SceneSplit.Train, seed));
            return (start, n) => stack(Enumerable.Range(0, n).AsParallel().AsOrdered().Select(i => stream.RenderView(start + i)).ToList().Select(v => v.RgbTensor()).ToArray());
        }
        var folder = new FolderTrainingImages(data, resolution, resolution, seed);
        if (folder.Count < count) throw new UserError($"'{data}' holds {folder.Count} images, --count asks for {count}");
        return (start, n) => stack(Enumerable.Range(0, n).Select(i => folder.Image((int)start + i)).ToArray());
    }

    static Command BuildPairs()
    {
        var teacher = new Option<string>("--teacher") { Description = "Teacher diffusion model (model.safetensors)", Required = true };
        var data = new Option<string>("--data") { Description = "Image folder, or 'scenes'", Required = true };
        var count = new Option<int>("--count") { Description = "Number of training images", DefaultValueFactory = _ => 1024 };
        var res = new Option<int>("--resolution") { Description = "Final (high) resolution of the stored images", DefaultValueFactory = _ => 64 };
        var outDir = new Option<string>("--out") { Description = "Pairs folder (chunk files; re-running resumes)", Required = true };
        var flip = new Option<bool>("--flip") { Description = "Also store the horizontally flipped pair" };
        var steps = new Option<int>("--steps") { Description = "Inversion grid points", DefaultValueFactory = _ => 40 };
        var chunk = new Option<int>("--chunk") { Description = "Images per chunk file (the unit of sharding and resume)", DefaultValueFactory = _ => 64 };
        var cmd = new Command("pairs", "Invert high-resolution images (downsampled to the teacher's resolution) to noise with the teacher: the (x, z_x) pairs")
        { teacher, data, count, res, outDir, flip, steps, chunk };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (net, header) = Checkpoint.Load<UNet>(p.GetValue(teacher)!, ctx.Device);
            var r = p.GetValue(res);
            if (r % net.Cfg.Resolution != 0 || r < net.Cfg.Resolution)
                throw new UserError($"--resolution {r} must be a multiple of the teacher's {net.Cfg.Resolution}");
            var (i, n) = shard.Read(p);
            var cfg = new PairsConfig { Count = p.GetValue(count), ChunkSize = p.GetValue(chunk), ShardIndex = i, ShardCount = n, Flip = p.GetValue(flip), Steps = p.GetValue(steps) };
            var clock = Stopwatch.StartNew();
            var files = PairBuilder.Build(net, SamplingDefaults.Of(header).SigmaMax, Items(p.GetValue(data)!, r, ctx.Seed, cfg.Count), cfg, p.GetValue(outDir)!, ctx.Device);
            var set = PairSet.Load(p.GetValue(outDir)!);
            Console.WriteLine($"{files.Count} chunks for shard {i}/{n} in {p.GetValue(outDir)} ({set.Count} pairs in the folder); " +
                              $"round-trip PSNR {set.RoundTripPsnr:0.00} dB; {clock.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return cmd;
    }

    static Command BuildMerge()
    {
        var inputs = new Option<string[]>("--in") { Description = "Pairs folders (shards) to merge", Required = true, AllowMultipleArgumentsPerToken = true };
        var outFile = new Option<string>("--out") { Description = "Merged pairs file (.safetensors)", Required = true };
        var cmd = new Command("merge", "Merge shard folders of pairs into one file") { inputs, outFile };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(outFile)!, ".safetensors");
            var set = PairSet.Merge(p.GetValue(inputs)!, p.GetValue(outFile)!);
            Console.WriteLine($"{set.Count} pairs ({set.Resolution}px images, {set.BaseResolution}px noise) -> {p.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }

    static Command BuildTrain()
    {
        var stage = new Option<string>("--stage") { Description = "base (stage 2) or grow (stage 3: add one x2 level)", Required = true };
        stage.AcceptOnlyFromAmong("base", "grow");
        var pairs = new Option<string>("--pairs") { Description = "Pairs folder or file", Required = true };
        var init = new Option<string?>("--init") { Description = "base: the teacher; grow: the generator to grow" };
        var outDir = new Option<string>("--out") { Description = "Run folder", Required = true };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this much wall time" };
        var steps = new Option<long?>("--steps") { Description = "Stop at this total step count" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out" };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Generator learning rate", DefaultValueFactory = _ => 1e-4 };
        var featureSize = new Option<int>("--feature-size") { Description = "Images are upsampled to at least this size for the ResNet-18 (loss and discriminator)", DefaultValueFactory = _ => 32 };
        var discAugment = new Option<bool>("--disc-augment") { Description = "The discriminator sees fakes and reals through one shared random augmentation (colour, translation, cutout) per step" };
        var distilWeight = new Option<double>("--distil-weight") { Description = "Weight of the distillation term: G(z) against the teacher's PF-ODE solution from the same fresh noise (0: off)", DefaultValueFactory = _ => 0 };
        var distilBatch = new Option<int>("--distil-batch") { Description = "Fresh noises per step solved by the teacher for the distillation term", DefaultValueFactory = _ => 8 };
        var distilSteps = new Option<int>("--distil-steps") { Description = "Grid points of the teacher's Heun solve (2N-1 evaluations per noise)", DefaultValueFactory = _ => 18 };
        var teacherOpt = new Option<string?>("--teacher") { Description = "Teacher for the distillation term (default with --stage base: --init)" };
        var cmd = new Command("train", "Train the one-step generator (base) or grow it by one level (grow)")
        { stage, pairs, init, outDir, minutes, steps, resume, batch, lr, featureSize, discAugment, distilWeight, distilBatch, distilSteps, teacherOpt };
        cmd.Options.Add(Cli.CheckpointMinutesOption);
        cmd.Options.Add(Cli.CheckpointEveryOption);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            if (p.GetValue(minutes) is null && p.GetValue(steps) is null) throw new UserError("give --minutes or --steps");
            if (!p.GetValue(resume) && p.GetValue(distilWeight) > 0 && p.GetValue(stage) == "grow" && p.GetValue(teacherOpt) is null)
                throw new UserError("--distil-weight with --stage grow needs --teacher");
            var set = PairSet.Load(p.GetValue(pairs)!);
            var dir = p.GetValue(outDir)!;
            PagodaTrainer trainer;
            if (p.GetValue(resume))
            {
                trainer = PagodaTrainer.Resume(dir, set, ctx.Device);
                if (StageOf(trainer) != p.GetValue(stage))
                    throw new UserError($"'{dir}': the run is a {StageOf(trainer)} stage; --stage {p.GetValue(stage)} given");
                Cli.NoteIgnoredOnResume(p, init, batch, lr, featureSize, discAugment, distilWeight, distilBatch, distilSteps, teacherOpt);
            }
            else
            {
                var initPath = p.GetValue(init) ?? throw new UserError("--init is required for a new run");
                var isBase = p.GetValue(stage) == "base";
                var distils = p.GetValue(distilWeight) > 0;
                var teacherPath = p.GetValue(teacherOpt) ?? (isBase ? initPath : null);
                var train = new PagodaTrainConfig
                {
                    BatchSize = p.GetValue(batch),
                    LearningRate = p.GetValue(lr),
                    FeatureSize = p.GetValue(featureSize),
                    Seed = ctx.Seed,
                    DiscriminatorAugment = p.GetValue(discAugment),
                    DistillationWeight = p.GetValue(distilWeight),
                    DistillationBatch = p.GetValue(distilBatch),
                    DistillationSteps = p.GetValue(distilSteps),
                    Teacher = distils ? Path.GetFullPath(teacherPath!) : null,
                };
                if (isBase)
                {
                    var (teacher, header) = Checkpoint.Load<UNet>(initPath);
                    // The distillation teacher is --init unless --teacher names another file.
                    var other = distils && train.Teacher != Path.GetFullPath(initPath) ? Checkpoint.Load<UNet>(train.Teacher!).Model : null;
                    trainer = PagodaTrainer.CreateBase(teacher, SamplingDefaults.Of(header).SigmaMax, train, set, dir, ctx.Device, distillationTeacher: other);
                }
                else trainer = PagodaTrainer.CreateGrow(Checkpoint.Load<OneStepGenerator>(initPath).Model, train, set, dir, ctx.Device,
                    teacher: distils ? Checkpoint.Load<UNet>(teacherPath!).Model : null);
            }
            Console.WriteLine($"PaGoDA {StageOf(trainer)}: generator {trainer.Generator.BaseResolution}px noise -> {trainer.Generator.OutputResolution}px images, {set.Count} pairs, from step {trainer.Step}");
            Cli.Train(trainer, p, p.GetValue(steps), p.GetValue(minutes));
            return 0;
        });
        return cmd;
    }

    // A base run trains the generator at the teacher's resolution; a grow run has added a level above it.
    static string StageOf(PagodaTrainer trainer) => trainer.Generator.OutputResolution > trainer.Generator.BaseResolution ? "grow" : "base";

    static Command BuildSample()
    {
        var model = new Option<string>("--model") { Description = "Generator (model.safetensors of a PaGoDA run)", Required = true };
        var count = new Option<int>("--count") { Description = "Images", DefaultValueFactory = _ => 16 };
        var outDir = new Option<string>("--out") { Description = "Output folder (PNG files + grid.png)", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per batch", DefaultValueFactory = _ => 64 };
        var cmd = new Command("sample", "Generate images in one network evaluation each") { model, count, outDir, batch };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (g, _) = Checkpoint.Load<OneStepGenerator>(p.GetValue(model)!, ctx.Device);
            g.eval();
            var n = p.GetValue(count);
            var gen = new Generator((ulong)ctx.Seed);
            var dir = p.GetValue(outDir)!;
            var r = SamplingPipeline.Run(b => (g.Forward(g.SampleNoise(b, gen).to(ctx.Device)), 1), n, p.GetValue(batch), dir, "one-step sampling");
            Console.WriteLine($"{n} images ({g.OutputResolution}px) in {dir}; NFE per image {r.NfePerImage}; {r.SecondsPerImage:0.00000} s per image");
            return 0;
        });
        return cmd;
    }

    static Command BuildUpscale()
    {
        var model = new Option<string>("--model") { Description = "Grown generator", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "Teacher diffusion model (inverts the input)", Required = true };
        var image = new Option<string>("--image") { Description = "Low-resolution input image (resized to the teacher's resolution)", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output PNG", Required = true };
        var cmd = new Command("upscale", "Super-resolution: invert a low-resolution image with the teacher, then one generator evaluation") { model, teacher, image, outFile };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(outFile)!, ".png");
            var (g, _) = Checkpoint.Load<OneStepGenerator>(p.GetValue(model)!, ctx.Device);
            var (t, th) = Checkpoint.Load<UNet>(p.GetValue(teacher)!, ctx.Device);
            if (t.Cfg.Resolution != g.BaseResolution) throw new UserError($"teacher resolution {t.Cfg.Resolution} differs from the generator's base {g.BaseResolution}");
            g.eval();
            t.eval();
            var clock = Stopwatch.StartNew();
            var (high, nfe) = new Upscaler(g, t, SamplingDefaults.Of(th).SigmaMax).UpscaleImage(ImageFile.Read(p.GetValue(image)!).to(ctx.Device));
            ImageFile.Write(p.GetValue(outFile)!, high.cpu());
            Console.WriteLine($"{g.BaseResolution}px -> {g.OutputResolution}px in {clock.Elapsed.TotalSeconds:0.00} s ({nfe} NFE: the teacher's inversion, then one generator evaluation): {p.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
