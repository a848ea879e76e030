using System.Diagnostics;
using System.Text.Json;
using InstantViews.Diffusion;
using InstantViews.GenWarp.Depth;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Trains a novel-view model (GenWarp, or the warp-and-inpaint baseline on the same pairs) the way
/// <see cref="DiffusionTrainer"/> trains a U-Net: Adam with warm-up and clipping, EMA, loss CSV and plot, sample
/// grids (source | warped | generated | ground truth), atomic checkpoints with model + EMA + optimiser + RNG, and
/// exact resume (pairs are drawn by index, so a resumed run sees the same pairs).
/// Files: checkpoint.safetensors, model.safetensors (EMA), train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class GenWarpTrainer : IDisposable
{
    public nn.Module Model { get; }
    public nn.Module EmaModel { get; }
    public PairTrainConfig Settings { get; }
    public string OutDir { get; }
    public long Step => optimizer.Step;
    public string CheckpointPath => Path.Combine(OutDir, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(OutDir, "model.safetensors");

    readonly ScenePairs pairs;
    readonly Adam optimizer;
    readonly Ema ema;
    readonly Generator gen;
    readonly LossLog log;
    readonly Device device;
    readonly Stopwatch clock = new();
    double elapsedBefore, lossSum;
    int lossCount;
    long stepsThisSession;
    NovelViewBatch? sampleBatch;

    GenWarpTrainer(string kind, JsonElement config, PairTrainConfig settings, string outDir, Device device, IDepthEstimator? depth)
    {
        Settings = settings;
        OutDir = outDir;
        this.device = device;
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{outDir}': cannot create output folder ({e.Message})"); }
        var train = settings.Train;
        random.manual_seed(train.Seed);
        Model = Checkpoint.Build(kind, config);
        EmaModel = Checkpoint.Build(kind, config);
        if (Model is not INovelViewModel) throw new UserError($"model kind '{kind}' is not a novel-view model (genwarp or warp-inpaint)");
        Model.to(device);
        EmaModel.to(device);
        EmaModel.eval();
        foreach (var p in EmaModel.parameters()) p.requires_grad = false;
        optimizer = new Adam(Model.named_parameters(), train.LearningRate) { WeightDecay = train.WeightDecay, WarmupSteps = train.WarmupSteps };
        ema = new Ema(Model, EmaModel, train.EmaDecay);
        ema.CopyFromLive();
        gen = new Generator((ulong)train.Seed);
        pairs = new ScenePairs(new SceneStreamConfig(settings.Resolution, settings.Resolution, settings.Spp, SceneSplit.Train, train.Seed,
            MinCovisibility: settings.MinCovisibility, MaxCovisibility: settings.MaxCovisibility), depth);
        log = new LossLog(Path.Combine(outDir, "loss.csv"), "step,loss,lr,pairs_per_s,elapsed_s");
    }

    /// <summary>Starts a new run of a model of <paramref name="kind"/> ("genwarp" or "warp-inpaint") with its config.</summary>
    public static GenWarpTrainer Create(string kind, object config, PairTrainConfig settings, string outDir, Device? device = null, IDepthEstimator? depth = null)
    {
        if (File.Exists(Path.Combine(outDir, "checkpoint.safetensors")))
            throw new UserError($"'{outDir}' already holds a run; pass --resume to continue it or choose another --out");
        var t = new GenWarpTrainer(kind, JsonSerializer.SerializeToElement(config, config.GetType(), Json.Options), settings, outDir, device ?? CPU, depth);
        AtomicFile.WriteText(Path.Combine(outDir, "train.json"), JsonSerializer.Serialize(settings, Json.Options));
        t.log.TruncateAfter(0);
        return t;
    }

    /// <summary>The settings a run in <paramref name="outDir"/> was started with (its train.json).</summary>
    public static PairTrainConfig ReadSettings(string outDir)
    {
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (train.json expected)");
        try { return JsonSerializer.Deserialize<PairTrainConfig>(File.ReadAllText(trainJson), Json.Options)!; }
        catch (JsonException e) { throw new UserError($"'{trainJson}': invalid JSON ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it (give the estimator its settings' Depth names).</summary>
    public static GenWarpTrainer Resume(string outDir, Device? device = null, IDepthEstimator? depth = null)
    {
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(ckpt) || !File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (checkpoint.safetensors and train.json expected)");
        var settings = ReadSettings(outDir);
        var (header, tensors) = Checkpoint.ReadAll(ckpt);
        var t = new GenWarpTrainer(header.Kind, header.Config, settings, outDir, device ?? CPU, depth);
        Checkpoint.LoadWeights(t.Model, tensors, ckpt);
        Checkpoint.LoadWeights(t.EmaModel, Checkpoint.Extras(tensors, "ema/"), ckpt);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        t.optimizer.LoadState(all);
        t.gen.set_state(all["rng/generator"]);
        t.elapsedBefore = header.Metrics.GetValueOrDefault("elapsed_s");
        foreach (var (_, x) in tensors) x.Dispose();
        t.log.TruncateAfter(t.Step);
        return t;
    }

    INovelViewModel Live => (INovelViewModel)Model;
    public double Elapsed => elapsedBefore + clock.Elapsed.TotalSeconds;
    double PairsPerSecond => clock.Elapsed.TotalSeconds > 0 ? stepsThisSession * (double)Settings.Train.BatchSize / clock.Elapsed.TotalSeconds : 0;

    /// <summary>One optimisation step on the next batch of pairs; returns the batch loss.</summary>
    public double TrainStep()
    {
        clock.Start();
        var train = Settings.Train;
        var batchPairs = pairs.Render(Step * train.BatchSize, train.BatchSize);
        using var scope = NewDisposeScope();
        Model.train();
        var batch = pairs.Batch(batchPairs, device);
        optimizer.ZeroGrad();
        var l = Live.TrainingLoss(batch, gen).mean();
        l.backward();
        optimizer.ClipGradNorm(train.GradClip);
        var lr = optimizer.CurrentLearningRate;
        optimizer.Update();
        ema.Update(Step);
        var value = l.item<float>();
        lossSum += value;
        lossCount++;
        stepsThisSession++;
        clock.Stop();
        if (Step % train.LogEvery == 0)
        {
            log.Append(Step, lossSum / lossCount, lr, PairsPerSecond, Elapsed);
            lossSum = 0;
            lossCount = 0;
        }
        return value;
    }

    /// <summary>Trains until <paramref name="maxSteps"/> total steps or <paramref name="minutes"/> of wall time, checkpointing and sampling periodically.</summary>
    public void Run(long? maxSteps, double? minutes, CancellationToken cancel = default)
    {
        var deadline = minutes is { } m ? DateTime.UtcNow.AddMinutes(m) : DateTime.MaxValue;
        var total = maxSteps is { } s ? Math.Max(0, s - Step) : 0;
        var train = Settings.Train;
        using var progress = Progress.Start($"{((ICheckpointable)Model).Kind} train", total, "steps");
        while ((maxSteps is null || Step < maxSteps) && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            var l = TrainStep();
            progress.Advance(1, $"step {Step}, loss {l:0.0000}, {PairsPerSecond:0.0} pairs/s");
            if (Step % train.CheckpointEvery == 0) SaveCheckpoint();
            if (train.SampleEvery > 0 && Step % train.SampleEvery == 0) WriteSamples();
        }
        SaveCheckpoint();
        WriteSamples();
    }

    /// <summary>Writes checkpoint.safetensors (full state) and model.safetensors (EMA weights), both atomically, and the loss plot.</summary>
    public void SaveCheckpoint()
    {
        var metrics = new Dictionary<string, double>
        {
            ["elapsed_s"] = Elapsed,
            ["pairs_seen"] = Step * Settings.Train.BatchSize,
            ["sigma_max"] = Settings.Train.SigmaMax,
        };
        var extra = EmaModel.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(optimizer.State())
            .Append(new("rng/generator", gen.get_state()));
        Checkpoint.Save(CheckpointPath, Model, Step, metrics, extra: extra);
        Checkpoint.Save(ModelPath, EmaModel, Step, metrics);
        log.Plot(Path.Combine(OutDir, "loss.png"));
    }

    /// <summary>Rows of source | warped | generated | ground truth from the EMA model on fixed evaluation pairs.</summary>
    public void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var train = Settings.Train;
        if (sampleBatch is null)
        {
            using var evalPairs = new ScenePairs(pairs.Config with { Split = SceneSplit.Eval, Seed = 0 }, pairs.DepthEstimator);
            var b = evalPairs.Batch(evalPairs.Render(0, train.SampleCount), device);
            sampleBatch = new NovelViewBatch(b.Source.DetachFromDisposeScope(), b.TargetEmbedding.DetachFromDisposeScope(),
                b.WarpedRgb.DetachFromDisposeScope(), b.HoleMask.DetachFromDisposeScope(), b.Target!.DetachFromDisposeScope());
        }
        var generated = NovelViewSampler.Sample((INovelViewModel)EmaModel, sampleBatch, new NovelViewSampling(train.SampleSteps, train.SigmaMax, Settings.Guidance), 1234).X;
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), NovelViewSampler.Sheet(sampleBatch, generated));
    }

    public void Dispose() => pairs.Dispose();
}
