using System.Diagnostics;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.GenWarp.Depth;

/// <summary>
/// Trains the built-in depth network on streamed scene views with exact depth: Adam with warm-up, gradient
/// clipping, EMA, loss CSV and plot, atomic checkpoints (model + EMA + optimiser + RNG) and resume.
/// Run folder: checkpoint.safetensors (training state), model.safetensors (EMA weights, fp16: what ships),
/// train.json, loss.csv, loss.png.
/// </summary>
public sealed class DepthTrainer : IDisposable
{
    public DepthNet Net { get; }
    public DepthNet EmaNet { get; }
    public DepthTrainConfig Train { get; }
    public string OutDir { get; }
    public long Step => optimizer.Step;
    public long ImagesSeen => Step * Train.BatchSize;
    public string CheckpointPath => Path.Combine(OutDir, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(OutDir, "model.safetensors");

    readonly Adam optimizer;
    readonly Ema ema;
    readonly Generator gen;
    readonly LossLog log;
    readonly Device device;
    SceneStream? stream;
    readonly Stopwatch clock = new();
    double elapsedBefore, lossSum;
    int lossCount;
    long stepsThisSession;

    DepthTrainer(DepthNetConfig netConfig, DepthTrainConfig train, string outDir, Device device)
    {
        Train = train;
        OutDir = outDir;
        this.device = device;
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{outDir}': cannot create output folder ({e.Message})"); }
        random.manual_seed(train.Seed);
        Net = new DepthNet(netConfig);
        EmaNet = new DepthNet(netConfig);
        Net.to(device);
        EmaNet.to(device);
        EmaNet.eval();
        foreach (var p in EmaNet.parameters()) p.requires_grad = false;
        optimizer = new Adam(Net.named_parameters(), train.LearningRate) { WarmupSteps = train.WarmupSteps };
        ema = new Ema(Net, EmaNet, train.EmaDecay);
        ema.CopyFromLive();
        gen = new Generator((ulong)train.Seed);
        log = new LossLog(Path.Combine(outDir, "loss.csv"), "step,loss,lr,images_per_s,elapsed_s");
    }

    public static DepthTrainer Create(DepthNetConfig netConfig, DepthTrainConfig train, string outDir, Device? device = null)
    {
        if (File.Exists(Path.Combine(outDir, "checkpoint.safetensors")))
            throw new UserError($"'{outDir}' already holds a run; pass --resume to continue it or choose another --out");
        var t = new DepthTrainer(netConfig, train, outDir, device ?? CPU);
        AtomicFile.WriteText(Path.Combine(outDir, "train.json"), JsonSerializer.Serialize(train, Json.Options));
        t.log.TruncateAfter(0);
        return t;
    }

    public static DepthTrainer Resume(string outDir, Device? device = null)
    {
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(ckpt) || !File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (checkpoint.safetensors and train.json expected)");
        var train = JsonSerializer.Deserialize<DepthTrainConfig>(File.ReadAllText(trainJson), Json.Options)!;
        var (header, tensors) = Checkpoint.ReadAll(ckpt);
        var t = new DepthTrainer(header.ConfigAs<DepthNetConfig>(), train, outDir, device ?? CPU);
        Checkpoint.LoadWeights(t.Net, tensors, ckpt);
        Checkpoint.LoadWeights(t.EmaNet, Checkpoint.Extras(tensors, "ema/"), ckpt);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        t.optimizer.LoadState(all);
        t.gen.set_state(all["rng/generator"]);
        t.elapsedBefore = header.Metrics.GetValueOrDefault("elapsed_s");
        foreach (var (_, x) in tensors) x.Dispose();
        t.log.TruncateAfter(t.Step);
        return t;
    }

    // A resumed run streams from a seed offset by its step, so it sees fresh scenes rather than replaying the first ones.
    SceneStream Stream => stream ??= new SceneStream(new SceneStreamConfig(Net.Cfg.Resolution, Net.Cfg.Resolution, Train.Spp,
        SceneSplit.Train, Train.Seed + Step, ViewsPerScene: 4));

    /// <summary>One optimisation step on a fresh batch of views; returns the batch loss.</summary>
    public double TrainStep()
    {
        clock.Start();
        using var scope = NewDisposeScope();
        Net.train();
        var views = Enumerable.Range(0, Train.BatchSize).Select(_ => Stream.NextView()).ToList();
        var rgb = stack(views.Select(v => v.RgbTensor()).ToArray()).to(device);
        var depth = stack(views.Select(v => v.DepthTensor()).ToArray()).to(device);
        // Horizontal flips: a mirrored room has the same depth, mirrored.
        var flip = rand([Train.BatchSize], generator: gen).lt(0.5).to(device);
        rgb = where(flip.view(-1, 1, 1, 1), rgb.flip(3), rgb);
        depth = where(flip.view(-1, 1, 1), depth.flip(2), depth);
        optimizer.ZeroGrad();
        var loss = DepthLoss.Compute(Net.forward(rgb), depth, Train.ScaleInvariantWeight);
        loss.backward();
        optimizer.ClipGradNorm(Train.GradClip);
        var lr = optimizer.CurrentLearningRate;
        optimizer.Update();
        ema.Update(Step);
        var value = loss.item<float>();
        lossSum += value;
        lossCount++;
        stepsThisSession++;
        clock.Stop();
        if (Step % Train.LogEvery == 0)
        {
            log.Append(Step, lossSum / lossCount, lr, ImagesPerSecond, Elapsed);
            lossSum = 0;
            lossCount = 0;
        }
        return value;
    }

    public double Elapsed => elapsedBefore + clock.Elapsed.TotalSeconds;
    double ImagesPerSecond => clock.Elapsed.TotalSeconds > 0 ? stepsThisSession * (double)Train.BatchSize / clock.Elapsed.TotalSeconds : 0;

    /// <summary>Trains until <paramref name="maxSteps"/> total steps or <paramref name="minutes"/> of wall time, checkpointing periodically.</summary>
    public void Run(long? maxSteps, double? minutes, CancellationToken cancel = default)
    {
        var deadline = minutes is { } m ? DateTime.UtcNow.AddMinutes(m) : DateTime.MaxValue;
        var total = maxSteps is { } s ? Math.Max(0, s - Step) : 0;
        using var progress = Progress.Start("depth train", total, "steps");
        while ((maxSteps is null || Step < maxSteps) && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            var l = TrainStep();
            progress.Advance(1, $"step {Step}, loss {l:0.0000}, {ImagesPerSecond:0.0} img/s");
            if (Step % Train.CheckpointEvery == 0) SaveCheckpoint();
        }
        SaveCheckpoint();
    }

    /// <summary>Writes checkpoint.safetensors (full state) and model.safetensors (EMA weights, fp16), atomically, and the loss plot.</summary>
    public void SaveCheckpoint()
    {
        var metrics = new Dictionary<string, double> { ["elapsed_s"] = Elapsed, ["images_seen"] = ImagesSeen };
        var extra = EmaNet.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(optimizer.State())
            .Append(new("rng/generator", gen.get_state()));
        Checkpoint.Save(CheckpointPath, Net, Step, metrics, extra: extra);
        Checkpoint.Save(ModelPath, EmaNet, Step, metrics, fp16: true);
        log.Plot(Path.Combine(OutDir, "loss.png"), title: "depth training loss");
    }

    public void Dispose() => stream?.Dispose();
}
