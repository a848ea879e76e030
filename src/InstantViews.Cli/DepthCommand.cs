using System.CommandLine;
using System.Globalization;
using InstantViews.Depth;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews depth` (estimate depth for an image) and `depth train|eval` (the built-in network).</summary>
public static class DepthCommand
{
    public static Command Build()
    {
        var image = new Option<string>("--image") { Description = "Input image (PNG/JPEG/WebP)", Required = true };
        var outPath = new Option<string>("--out") { Description = "Output depth: D.npy (float32 metres) and D.png (colour map); give D or D.npy", Required = true };
        var model = DepthModelOption();
        var onnx = OnnxOptions.Create();
        var cmd = new Command("depth", "Estimate metric depth for an image (built-in network, ONNX model, a phone's embedded depth map or a file); train and evaluate the built-in network")
        { image, outPath, model };
        onnx.AddTo(cmd);
        cmd.Subcommands.Add(BuildTrain());
        cmd.Subcommands.Add(BuildEval());
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var (stem, _) = OutputStem(p.GetValue(outPath)!);
            OutputPaths.File(stem + ".npy", ".npy");
            var rgb = ImageFile.Read(p.GetValue(image)!);
            SourceImages.Require(p.GetValue(image)!, (int)rgb.shape[2], (int)rgb.shape[1]);
            var estimator = DepthSource.Open(p.GetValue(model)!, ctx.Device, onnx.Read(p), p.GetValue(image));
            using var noGrad = no_grad();
            var depth = estimator.Estimate(rgb).to_type(ScalarType.Float32).contiguous();
            Write(stem, depth);
            var d = depth.data<float>().ToArray();
            Console.WriteLine($"depth by {estimator.Description}: {d.Min():0.00}-{d.Max():0.00} m (median {d.Order().ElementAt(d.Length / 2):0.00} m); wrote {stem}.npy and {stem}.png");
            (estimator as IDisposable)?.Dispose();
            return 0;
        });
        return cmd;
    }

    public static Option<string> DepthModelOption() => new("--model")
    {
        Description = "builtin (models/depth.safetensors), builtin:FILE.safetensors, onnx:FILE.onnx (preset detected, or --onnx-preset), auto (the photo's embedded phone depth map, else builtin), embedded, or a depth map (.png mm / .npy m / .jpg with an embedded map)",
        DefaultValueFactory = _ => "builtin",
    };

    /// <summary>"out/d", "out/d.npy" and "out/d.png" all mean the pair out/d.npy + out/d.png.</summary>
    public static (string Stem, string Ext) OutputStem(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".npy" or ".png" ? (path[..^ext.Length], ext) : (path, "");
    }

    /// <summary>Writes depth [H, W] as STEM.npy (metres) and STEM.png (Turbo colour map of inverse depth).</summary>
    public static void Write(string stem, Tensor depth)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(stem))!;
        Directory.CreateDirectory(dir);
        int h = (int)depth.shape[0], w = (int)depth.shape[1];
        var values = depth.data<float>().ToArray();
        Npy.WriteFloat32(stem + ".npy", values, h, w);
        ImageFile.Write(stem + ".png", DepthColormap.ToImage(values, w, h));
    }

    static Command BuildTrain()
    {
        var outDir = new Option<string>("--out") { Description = "Run folder (checkpoint, model.safetensors, loss log)", Required = true };
        var training = TrainOptions.Create();
        var arch = new Option<string>("--arch") { Description = "resnet (v2: ImageNet ResNet-18 encoder, relative + metric loss) or unet (v1)", DefaultValueFactory = _ => "resnet" };
        arch.AcceptOnlyFromAmong("resnet", "unet");
        var photos = new Option<string?>("--photos") { Description = "resnet: real-photo corpus folder (scripts/realphotos) whose photos texture the scenes" };
        var width = new Option<int>("--width") { Description = "resnet: training view width, a multiple of 32", DefaultValueFactory = _ => 256 };
        var height = new Option<int>("--height") { Description = "resnet: training view height, a multiple of 32", DefaultValueFactory = _ => 192 };
        var frozen = new Option<int>("--frozen-steps") { Description = "resnet: steps with the ImageNet encoder frozen", DefaultValueFactory = _ => 1000 };
        var encoderRate = new Option<double>("--encoder-rate") { Description = "resnet: the encoder's learning rate after the frozen steps, relative to the decoder's", DefaultValueFactory = _ => 0.1 };
        var res = new Option<int>("--resolution") { Description = "unet: training views are RES x RES (the network's input width)", DefaultValueFactory = _ => 64 };
        var channels = new Option<int>("--channels") { Description = "unet: U-Net base channels", DefaultValueFactory = _ => 16 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3 };
        var cmd = new Command("train", "Train the built-in depth network on streamed procedural scenes (atomic checkpoints; --resume continues)")
        { outDir, arch, photos, width, height, frozen, encoderRate, res, channels, batch, lr };
        training.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var resuming = training.Resuming(p);
            var dir = p.GetValue(outDir)!;
            var train = new DepthTrainConfig { BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr), Seed = ctx.Seed };
            object net;
            if (p.GetValue(arch) == "resnet")
            {
                var (w, h) = (p.GetValue(width), p.GetValue(height));
                if (!resuming && (w % 32 != 0 || h % 32 != 0)) throw new UserError($"--width and --height must be multiples of 32, got {w}x{h}");
                if (p.GetValue(photos) is { } corpus && !resuming && !File.Exists(Path.Combine(corpus, "manifest.tsv")))
                    throw new UserError($"--photos '{corpus}': no manifest.tsv; build the corpus with scripts/realphotos {corpus}");
                train = train with { Width = w, Height = h, Photos = p.GetValue(photos) is { } c ? Path.GetFullPath(c) : null, EncoderFrozenSteps = p.GetValue(frozen), EncoderRateScale = p.GetValue(encoderRate) };
                net = new DepthResNetConfig { InputLongSide = Math.Max(w, h), CanonicalFocal = 0.5 / Math.Tan(Math.PI / 6) };
            }
            else
            {
                var r = p.GetValue(res);
                if (!resuming && (r < 16 || r % 8 != 0)) throw new UserError($"--resolution must be a multiple of 8 and >= 16, got {r}");
                net = new DepthNetConfig { Resolution = r, Channels = p.GetValue(channels) };
            }
            using var trainer = resuming ? DepthTrainer.Resume(dir, ctx.Device) : DepthTrainer.Create(net, train, dir, ctx.Device);
            if (resuming) Cli.NoteIgnoredOnResume(p, arch, photos, width, height, frozen, encoderRate, res, channels, batch, lr);
            Console.WriteLine($"training {trainer.Net.Summary}, from step {trainer.Step}");
            training.Train(trainer, p);
            return 0;
        });
        return cmd;
    }

    static Command BuildEval()
    {
        var models = new Option<string[]>("--model")
        {
            Description = "Depth sources to score (repeat): builtin, builtin:FILE.safetensors, onnx:FILE.onnx, each optionally raw: (bilinear upsampling) [default: builtin]",
            DefaultValueFactory = _ => ["builtin"],
        };
        var count = new Option<int>("--count") { Description = "Evaluation views (scene seeds from 1,000,000)", DefaultValueFactory = _ => 200 };
        var size = new Option<int>("--size") { Description = "View size (square)", DefaultValueFactory = _ => 64 };
        var pairs = new Option<string[]>("--pair") { Description = "Score on these real stereo pairs (Middlebury 2014 layout; repeat) instead of the scenes: AbsRel and delta<1.25 raw and median-scaled, inverse-depth/disparity correlation" };
        var csv = new Option<string?>("--csv") { Description = "Also write the rows to this CSV file" };
        var cmd = new Command("eval", "AbsRel and delta<1.25 on evaluation scenes against the best constant depth, or on real stereo pairs (--pair)") { models, count, size, pairs, csv };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            if (p.GetValue(csv) is { } csvPath) OutputPaths.File(csvPath, ".csv");
            var inv = CultureInfo.InvariantCulture;
            var (n, side) = (p.GetValue(count), p.GetValue(size));
            var text = DepthEvaluation.Compare(p.GetValue(models)!, spec => DepthSource.Open(spec, ctx.Device), p.GetValue(pairs) ?? [], n, side, ctx.Seed,
                (estimator, m, c, constant) =>
                {
                    Console.WriteLine($"{n} evaluation views at {side}x{side}, {estimator.Description}");
                    Console.WriteLine(string.Create(inv, $"  model:    AbsRel {m.AbsRel:0.0000}  delta<1.25 {m.Delta1:0.0000}"));
                    Console.WriteLine(string.Create(inv, $"  constant: AbsRel {c.AbsRel:0.0000}  delta<1.25 {c.Delta1:0.0000}  (median depth {constant:0.000} m)"));
                },
                (estimator, scores) =>
                {
                    Console.WriteLine($"{estimator.Description}:");
                    foreach (var (pair, s) in scores)
                        Console.WriteLine(string.Create(inv, $"  {pair}: AbsRel {s.AbsRelRaw:0.000} raw, {s.AbsRel:0.000} median-scaled; delta<1.25 {s.DeltaRaw:0.000} raw, {s.Delta:0.000} median-scaled; correlation {s.Correlation:0.000}; {s.Seconds:0.00} s"));
                });
            if (p.GetValue(csv) is { } file)
            {
                AtomicFile.WriteText(file, text.ToString());
                Console.WriteLine($"wrote {file}");
            }
            return 0;
        });
        return cmd;
    }
}
