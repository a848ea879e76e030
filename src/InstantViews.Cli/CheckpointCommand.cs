using System.CommandLine;
using System.Text.Json;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews checkpoint info|export`: read a checkpoint's header; write a model-only copy (optionally fp16).</summary>
public static class CheckpointCommand
{
    public static Command Build()
    {
        var cmd = new Command("checkpoint", "Inspect checkpoints and export shippable model files");
        var file = new Option<string>("--in") { Description = "Checkpoint or model file", Required = true };
        var list = new Option<bool>("--tensors") { Description = "Also list every tensor: name, dtype and shape" };
        var info = new Command("info", "Print a checkpoint's kind, step, metrics, config and tensor count (--tensors: each tensor's name, dtype, shape)") { file, list };
        Cli.SetAction(info, (p, ctx) =>
        {
            var (header, tensors) = Checkpoint.ReadAll(p.GetValue(file)!);
            var model = tensors.Count(t => !t.Key.Contains('/'));
            Console.WriteLine($"kind    {header.Kind}\nstep    {header.Step}\ntensors {model} model, {tensors.Count - model} training state");
            foreach (var (k, v) in header.Metrics) Console.WriteLine($"metric  {k} = {v:G6}");
            Console.WriteLine(JsonSerializer.Serialize(header.Config, Json.Options));
            if (p.GetValue(list))
                foreach (var (name, t) in tensors)
                    Console.WriteLine($"tensor  {name} {t.dtype.ToString().ToLowerInvariant()} [{string.Join(", ", t.shape)}]");
            return 0;
        });
        var input = new Option<string>("--in") { Description = "Checkpoint or model file", Required = true };
        var output = new Option<string>("--out") { Description = "Model file to write", Required = true };
        var fp16 = new Option<bool>("--fp16") { Description = "Store weights in half precision" };
        var allowLossy = new Option<bool>("--allow-lossy")
        {
            Description = "Export even weights that would not survive: NaN or infinite ones, and with --fp16 values beyond half precision's range (stored as infinite); prints their counts",
        };
        var noiseScale = new Option<double?>("--noise-scale") { Description = "A one-step model: record this noise scale (a share of sigma_max) as the model's default in the written file's sampling header" };
        var export = new Command("export", "Write the model weights alone (no optimiser or EMA state), rebuilt and checked from the header") { input, output, fp16, allowLossy, noiseScale };
        Cli.SetAction(export, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(output)!, ".safetensors");
            var (model, header) = Checkpoint.Load(p.GetValue(input)!);
            var sampling = header.Sampling;
            if (p.GetValue(noiseScale) is { } scale)
            {
                if (header.Kind != "genwarp-1step") throw new UserError($"'{p.GetValue(input)}': --noise-scale is for one-step models (genwarp-1step), this is a '{header.Kind}' model");
                sampling = SamplingDefaults.Of(header) with { NoiseScale = scale };
            }
            var lossy = Checkpoint.LossyTensors(model.state_dict(), p.GetValue(fp16));
            // Infinite or NaN weights break the model; values under fp16's smallest step (|x| < 2^-24, next to weights
            // of order 1e-2) only round to 0, as any fp16 conversion does: those are counted, not refused.
            var broken = lossy.Where(t => t.Overflow + t.NonFinite > 0).ToList();
            if (broken.Count > 0)
            {
                var counts = Describe(broken, p.GetValue(fp16));
                if (!p.GetValue(allowLossy)) throw new UserError($"'{p.GetValue(input)}': {counts}; --allow-lossy exports anyway");
                Console.Error.WriteLine($"warning: exported anyway: {counts}");
            }
            if (lossy.Sum(t => t.Underflow) is > 0 and var flushed)
                Console.Error.WriteLine($"note: {flushed} nonzero weight{(flushed == 1 ? "" : "s")} below fp16's smallest value 2^-24 stored as 0");
            Checkpoint.Save(p.GetValue(output)!, model, header.Step, header.Metrics, p.GetValue(fp16), sampling: sampling);
            Console.WriteLine($"{header.Kind} at step {header.Step} -> {p.GetValue(output)} ({new FileInfo(p.GetValue(output)!).Length / 1e6:0.00} MB{(p.GetValue(fp16) ? ", fp16" : "")})");
            return 0;
        });
        cmd.Subcommands.Add(info);
        cmd.Subcommands.Add(export);
        return cmd;
    }

    /// <summary>The counts of values an export would lose, over every tensor, and the first tensor with any.</summary>
    static string Describe(List<Checkpoint.LossyTensor> lossy, bool fp16)
    {
        static string Count(long n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
        var (overflow, nonFinite) = (lossy.Sum(t => t.Overflow), lossy.Sum(t => t.NonFinite));
        var where = $"in {Count(lossy.Count, "tensor")}, first '{lossy[0].Name}'";
        return fp16
            ? $"{Count(overflow, "value")} beyond fp16's range ±65504 (stored as infinite) and {Count(nonFinite, "NaN or infinite value")} {where}"
            : $"{Count(nonFinite, "NaN or infinite value")} {where}";
    }
}
