using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews diffusion train|sample|invert`.</summary>
public static class DiffusionCommand
{
    static IReadOnlyDictionary<string, UNetConfig> Presets => UNetPresets.All;

    public static Command Build()
    {
        var cmd = new Command("diffusion", "Train, sample and invert EDM diffusion models");
        cmd.Subcommands.Add(BuildTrain());
        cmd.Subcommands.Add(BuildSample());
        cmd.Subcommands.Add(BuildInvert());
        return cmd;
    }

    public static UNetConfig LoadConfig(string nameOrPath, int resolution)
    {
        if (Presets.TryGetValue(nameOrPath, out var preset)) return preset with { Resolution = resolution };
        if (!File.Exists(nameOrPath)) throw new UserError($"config '{nameOrPath}': not a preset ({string.Join(", ", Presets.Keys)}) nor a JSON file");
        try { return JsonSerializer.Deserialize<UNetConfig>(File.ReadAllText(nameOrPath), Json.Options)! with { Resolution = resolution }; }
        catch (JsonException e) { throw new UserError($"config '{nameOrPath}': invalid JSON ({e.Message.Split('\n')[0]})"); }
    }

    static Command BuildTrain()
    {
        var data = new Option<string>("--data") { Description = "Image folder, or 'scenes' for streamed procedural scenes", Required = true };
        var res = new Option<int>("--resolution") { Description = "Training resolution (square)", DefaultValueFactory = _ => 16 };
        var config = new Option<string>("--config") { Description = $"U-Net preset ({string.Join(", ", Presets.Keys)}) or JSON file", DefaultValueFactory = _ => "teacher16" };
        var outDir = new Option<string>("--out") { Description = "Run folder (checkpoints, samples, loss log)", Required = true };
        var training = TrainOptions.Create();
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 2e-4 };
        var sigmaMax = new Option<double>("--sigma-max") { Description = "Largest noise level used for sample grids", DefaultValueFactory = _ => 80 };
        var cmd = new Command("train", "Train an EDM diffusion U-Net (checkpoints are atomic; --resume continues exactly)")
        { data, res, config, outDir, batch, lr, sigmaMax };
        training.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var resuming = training.Resuming(p);
            var r = p.GetValue(res);
            if (!resuming && (r < 8 || r % 4 != 0)) throw new UserError($"--resolution must be a multiple of 4 and >= 8, got {r}");
            var dir = p.GetValue(outDir)!;
            // A resumed run reads its data at its own resolution and seed, so it draws the batches it would have drawn.
            ITrainingImages? source = null;
            ITrainingImages Open(int resolution, long seed) => source = TrainingImages.Open(p.GetValue(data)!, resolution, seed);
            using var trainer = resuming
                ? DiffusionTrainer.Resume(dir, Open, ctx.Device)
                : DiffusionTrainer.Create(LoadConfig(p.GetValue(config)!, r),
                    new TrainConfig { BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = ctx.Seed, SigmaMax = p.GetValue(sigmaMax) }, Open(r, ctx.Seed), dir, ctx.Device);
            if (resuming) Cli.NoteIgnoredOnResume(p, res, config, batch, lr, sigmaMax);
            Console.WriteLine($"training {trainer.Net.ParameterCount / 1e6:0.00}M-parameter U-Net on {source!.Description}, from step {trainer.Step}");
            training.Train(trainer, p);
            return 0;
        });
        return cmd;
    }

    static Command BuildSample()
    {
        var model = new Option<string>("--model") { Description = "Model file (model.safetensors of a run)", Required = true };
        var sampler = new Option<string>("--sampler") { Description = string.Join(" | ", SamplerRegistry.Names), DefaultValueFactory = _ => "heun" };
        sampler.AcceptOnlyFromAmong([.. SamplerRegistry.Names]);
        var steps = new Option<int>("--steps") { Description = "Grid points N (Heun uses 2N-1 evaluations)", DefaultValueFactory = _ => 40 };
        var count = new Option<int>("--count") { Description = "Images to generate", DefaultValueFactory = _ => 16 };
        var outDir = new Option<string>("--out") { Description = "Output folder (PNG files + grid.png)", Required = true };
        var sigmaMax = new Option<double?>("--sigma-max") { Description = "Largest noise level (default: the model's)" };
        var batch = new Option<int>("--batch") { Description = "Images per batch", DefaultValueFactory = _ => 64 };
        var cmd = new Command("sample", "Generate images with any registered sampler (euler, heun, sde, dpm++2m)") { model, sampler, steps, count, outDir, sigmaMax, batch };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var (net, header) = Checkpoint.Load<UNet>(p.GetValue(model)!, ctx.Device);
            net.eval();
            var n = p.GetValue(count);
            var smax = p.GetValue(sigmaMax) ?? SamplingDefaults.Of(header).SigmaMax;
            var grid = NoiseGrid.Karras(p.GetValue(steps), sigmaMax: smax);
            var dir = p.GetValue(outDir)!;
            var gen = new Generator((ulong)ctx.Seed);
            var den = new EdmDenoiser(net);
            var sample = SamplerRegistry.Get(p.GetValue(sampler)!);
            var r = SamplingPipeline.Run(b =>
            {
                var x = Samplers.InitialNoise([b, net.Cfg.InChannels, net.Cfg.Resolution, net.Cfg.Resolution], smax, gen).to(ctx.Device);
                var s = sample(den, x, grid, gen);
                return (s.X, s.Nfe);
            }, n, p.GetValue(batch), dir);
            Console.WriteLine($"{n} images in {dir}; NFE per image {r.NfePerImage}; {r.SecondsPerImage:0.0000} s per image ({p.GetValue(sampler)}, N={p.GetValue(steps)})");
            return 0;
        });
        return cmd;
    }

    static Command BuildInvert()
    {
        var model = new Option<string>("--model") { Description = "Model file", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of images (resized to the model's resolution)", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output .safetensors with the noise tensors", Required = true };
        var steps = new Option<int>("--steps") { Description = "Grid points (PaGoDA: 40)", DefaultValueFactory = _ => 40 };
        var solver = new Option<string>("--sampler") { Description = "Deterministic solver: heun (2N-1 evaluations), euler or dpm++2m (N)", DefaultValueFactory = _ => "heun" };
        solver.AcceptOnlyFromAmong([.. SamplerRegistry.DeterministicNames]);
        var cmd = new Command("invert", "Invert images to noise along the probability-flow ODE (reverse Heun by default, clamped denoiser) and report the round-trip PSNR")
        { model, images, outFile, steps, solver };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(outFile)!, ".safetensors");
            var (net, header) = Checkpoint.Load<UNet>(p.GetValue(model)!, ctx.Device);
            net.eval();
            var r = net.Cfg.Resolution;
            var src = new FolderTrainingImages(p.GetValue(images)!, r, r);
            var smax = SamplingDefaults.Of(header).SigmaMax;
            using var noGrad = no_grad();
            var x = stack(Enumerable.Range(0, src.Count).Select(i => src.Image(i)).ToArray()).to(ctx.Device);
            var clock = Stopwatch.StartNew();
            var trip = Inversion.Check(new EdmDenoiser(net), x, p.GetValue(steps), solver: p.GetValue(solver)!, sigmaMax: smax);
            Checkpoint.WriteAtomic(p.GetValue(outFile)!, [new("noise", trip.Noise.cpu())],
                new Dictionary<string, string> { ["files"] = string.Join("\n", src.Files), ["sigma_max"] = smax.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Console.WriteLine($"{src.Count} images inverted ({trip.InversionNfe} NFE each, {clock.Elapsed.TotalSeconds / src.Count:0.000} s per image with the round trip); round-trip PSNR {trip.Psnr:0.00} dB; noise: {p.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
