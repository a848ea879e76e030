using System.CommandLine;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp train`: GenWarp or the warp-and-inpaint baseline on streamed scene pairs.</summary>
public static class GenWarpTrainCommand
{
    public static Command Build()
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
        var training = TrainOptions.Create();
        var batch = new Option<int>("--batch") { Description = "Pairs per batch", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Learning rate (Adam)", DefaultValueFactory = _ => 5e-4 };
        var spp = new Option<int>("--spp") { Description = "Render samples per pixel", DefaultValueFactory = _ => 2 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "Steps between sample grids", DefaultValueFactory = _ => 500 };
        var cmd = new Command("train", "Train GenWarp (or the baseline) on streamed scene pairs, covisibility 0.2-0.95; --resume continues exactly")
        { kind, outDir, res, channels, attention, attentionAt, global, depth, batch, lr, spp, sampleEvery };
        training.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var resuming = training.Resuming(p);
            var r = p.GetValue(res);
            if (!resuming && (r < 8 || r % 4 != 0)) throw new UserError($"--resolution must be a multiple of 4 and >= 8, got {r}");
            var dir = p.GetValue(outDir)!;
            // A resumed run keeps the depth source it started with.
            var depthSpec = resuming ? GenWarpTrainer.ReadSettings<PairTrainConfig>(dir).Depth : p.GetValue(depth)!;
            IDepthEstimator? estimator = depthSpec == "gt" ? null : DepthSource.Open(depthSpec, ctx.Device);
            GenWarpTrainer trainer;
            if (resuming)
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
                training.Train(trainer, p);
            }
            return 0;
        });
        return cmd;
    }
}
