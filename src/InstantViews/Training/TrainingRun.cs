using System.Diagnostics;
using System.Text.Json;
using InstantViews.Imaging;
using InstantViews.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Training;

/// <summary>
/// How a run logs, checkpoints and samples. <paramref name="Items"/> names what a batch holds ("images" or
/// "pairs"): the throughput column of loss.csv and the "…_seen" metric of checkpoints are named after it.
/// </summary>
public sealed record RunSchedule(int BatchSize, int LogEvery, int CheckpointEvery, int SampleEvery, string Items = "images");

/// <summary>
/// The run folder and loop every trainer shares: checkpoint.safetensors (training state), model.safetensors (what
/// sampling loads), train.json (the settings, reused by --resume), loss.csv and loss.png; the loop that trains
/// until a step count, a wall-time deadline or Ctrl-C, checkpointing and sampling periodically; and the clock
/// behind throughput and the elapsed time a resumed run carries on from.
/// </summary>
public abstract class TrainingRun : IDisposable
{
    public string OutDir { get; }
    public string CheckpointPath => Path.Combine(OutDir, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(OutDir, "model.safetensors");
    public abstract long Step { get; }
    /// <summary>Wall time inside training steps, over all sessions of the run.</summary>
    public double Elapsed => elapsedBefore + clock.Elapsed.TotalSeconds;
    /// <summary>Training throughput of this session (items per second inside training steps).</summary>
    public double ItemsPerSecond => clock.Elapsed.TotalSeconds > 0 ? stepsThisSession * (double)Schedule.BatchSize / clock.Elapsed.TotalSeconds : 0;
    public RunSchedule Schedule { get; }
    protected LossLog Log { get; }

    readonly Stopwatch clock = new();
    double elapsedBefore;
    long stepsThisSession;
    // A new run's settings, written with its first files once a step has succeeded (null: written, or a resumed run).
    object? pendingSettings;
    // Whether this process began the run (its train.json and loss log are this session's), and the outermost folder it
    // created for it (null: the run's folder existed).
    bool begunHere;
    string? createdFolder;
    /// <summary>The step of the run's last checkpoint on disk (null: none written yet).</summary>
    protected long? LastCheckpointStep { get; private set; }

    protected TrainingRun(string outDir, RunSchedule schedule, string logColumns)
    {
        OutDir = outDir;
        Schedule = schedule;
        // Nothing is written here: a run refused while it is being set up leaves no folder or file behind.
        Log = new LossLog(Path.Combine(outDir, "loss.csv"), logColumns);
    }

    /// <summary>Refuses to start a new run where one already is.</summary>
    protected static void RefuseExisting(string outDir)
    {
        if (File.Exists(Path.Combine(outDir, "checkpoint.safetensors")))
            throw new UserError($"'{outDir}' already holds a run; pass --resume to continue it or choose another --out");
    }

    /// <summary>
    /// Marks a new run: its settings go to train.json and its loss log starts afresh, but only once its first step has
    /// succeeded (<see cref="Started"/>), so a first step that fails (or is killed, e.g. out of memory) leaves nothing.
    /// </summary>
    protected void Begin(object settings) => pendingSettings = settings;

    /// <summary>Writes a new run's first files (folder, train.json, the loss log's header), once; called after a step succeeded and before any save.</summary>
    protected void Started()
    {
        if (pendingSettings is not { } settings) return;
        for (var d = Path.TrimEndingDirectorySeparator(Path.GetFullPath(OutDir)); d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) createdFolder = d;
        try { Directory.CreateDirectory(OutDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{OutDir}': cannot create output folder ({e.Message})"); }
        AtomicFile.RemoveStale(OutDir);
        AtomicFile.WriteText(Path.Combine(OutDir, "train.json"), JsonSerializer.Serialize(settings, settings.GetType(), Json.Options));
        Log.TruncateAfter(0);
        pendingSettings = null;
        begunHere = true;
    }

    /// <summary>Records that checkpoint.safetensors now holds the state of <see cref="Step"/>.</summary>
    protected void Saved() => LastCheckpointStep = Step;

    /// <summary>
    /// A new run that failed before its first checkpoint: removes the files it wrote (train.json, loss.csv, loss.png,
    /// sample grids) and its folder if it created it, so that no partial run is left. A run with a checkpoint is kept.
    /// </summary>
    protected void DiscardUnsaved()
    {
        if (!begunHere || LastCheckpointStep is not null) return;
        begunHere = false;
        foreach (var name in new[] { "train.json", "loss.csv", "loss.png" }.Select(n => Path.Combine(OutDir, n)).Concat(Directory.Exists(OutDir) ? Directory.GetFiles(OutDir, "samples-*.png") : []))
            if (File.Exists(name)) File.Delete(name);
        AtomicFile.RemoveStale(OutDir);
        if (createdFolder is null) return;
        // The folders this run created, innermost first, as long as they are empty.
        for (var d = Path.TrimEndingDirectorySeparator(Path.GetFullPath(OutDir)); d is not null && d.Length >= createdFolder.Length; d = Path.GetDirectoryName(d))
        {
            if (!Directory.Exists(d) || Directory.EnumerateFileSystemEntries(d).Any()) break;
            Directory.Delete(d);
        }
    }

    /// <summary>
    /// The end of a diverged run's error: where it can go on from. A run with a checkpoint keeps it; a new one without
    /// is removed (<see cref="DiscardUnsaved"/>), and says so.
    /// </summary>
    protected string AfterDivergence()
    {
        if (LastCheckpointStep is { } step) return $"the last checkpoint in '{OutDir}' (step {step}) is kept: resume with a lower --lr";
        DiscardUnsaved();
        return $"no checkpoint was written, so nothing of the run is left in '{OutDir}': start again with a lower --lr";
    }

    /// <summary>The settings a run in <paramref name="outDir"/> was started with (its train.json).</summary>
    public static T ReadSettings<T>(string outDir)
    {
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (train.json expected)");
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(trainJson), Json.Options) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new UserError($"'{trainJson}': invalid JSON ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>The settings and checkpoint of the run to resume in <paramref name="outDir"/>.</summary>
    protected static (T Settings, CheckpointHeader Header, List<KeyValuePair<string, Tensor>> Tensors) OpenRun<T>(string outDir)
    {
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        if (!File.Exists(ckpt) || !File.Exists(Path.Combine(outDir, "train.json")))
            throw new UserError($"'{outDir}': no run to resume (checkpoint.safetensors and train.json expected)");
        var settings = ReadSettings<T>(outDir);
        var (header, tensors) = Checkpoint.ReadAll(ckpt);
        return (settings, header, tensors);
    }

    /// <summary>Carries on the clock and the loss log of a resumed run from its checkpoint (call once its state is loaded).</summary>
    protected void ContinueFrom(CheckpointHeader header)
    {
        AtomicFile.RemoveStale(OutDir);
        LastCheckpointStep = Step;
        elapsedBefore = header.Metrics.GetValueOrDefault("elapsed_s");
        Log.TruncateAfter(Step);
    }

    /// <summary>Runs one training step on the clock.</summary>
    protected T Timed<T>(Func<T> step)
    {
        clock.Start();
        try { return step(); }
        finally
        {
            clock.Stop();
            stepsThisSession++;
        }
    }

    /// <summary>The metrics every checkpoint carries: elapsed_s and the items seen.</summary>
    protected virtual Dictionary<string, double> Metrics() => new()
    {
        ["elapsed_s"] = Elapsed,
        [$"{Schedule.Items}_seen"] = Step * Schedule.BatchSize,
    };

    /// <summary>How the trained model is meant to be sampled: written into its checkpoints' headers (null: not a sampled model).</summary>
    protected virtual SamplingDefaults? Sampling => null;

    /// <summary>The progress line's name ("diffusion train").</summary>
    protected abstract string ProgressName { get; }

    /// <summary>One training step; returns the progress line's text.</summary>
    protected abstract string AdvanceOneStep();

    /// <summary>Writes checkpoint.safetensors and model.safetensors atomically, and the loss plot.</summary>
    public abstract void SaveCheckpoint();

    /// <summary>Writes samples-XXXXXXX.png from the model being trained (nothing, for runs without samples).</summary>
    public virtual void WriteSamples() { }

    /// <summary>Checkpoint every this many steps instead of the settings' interval (null: the settings').</summary>
    public int? CheckpointEvery { get; set; }

    /// <summary>Also checkpoint whenever this much wall time has passed since the last checkpoint (null: by steps only).</summary>
    public double? CheckpointMinutes { get; set; }

    /// <summary>Trains until <paramref name="maxSteps"/> total steps or <paramref name="minutes"/> of wall time, checkpointing and sampling periodically.</summary>
    public void Run(long? maxSteps, double? minutes, CancellationToken cancel = default)
    {
        var deadline = minutes is { } m ? DateTime.UtcNow.AddMinutes(m) : DateTime.MaxValue;
        var total = maxSteps is { } s ? Math.Max(0, s - Step) : 0;
        using var progress = Progress.Start(ProgressName, total, "steps");
        var lastSave = Stopwatch.StartNew();
        try
        {
            while ((maxSteps is null || Step < maxSteps) && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
            {
                progress.Advance(1, AdvanceOneStep());
                if (Step % (CheckpointEvery ?? Schedule.CheckpointEvery) == 0 || lastSave.Elapsed.TotalMinutes >= (CheckpointMinutes ?? double.PositiveInfinity))
                {
                    SaveCheckpoint();
                    lastSave.Restart();
                }
                if (Schedule.SampleEvery > 0 && Step % Schedule.SampleEvery == 0) WriteSamples();
            }
            SaveCheckpoint();
        }
        catch
        {
            // A new run that fails before its first checkpoint leaves nothing behind.
            DiscardUnsaved();
            throw;
        }
        WriteSamples();
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Adam and EMA settings of a run that trains one model by a loss.</summary>
public sealed record OptimizerSettings(double LearningRate, double WeightDecay, int WarmupSteps, double GradClip, double EmaDecay, long Seed)
{
    /// <summary>Per-parameter factor on the learning rate, from the parameter's name and the step (see <see cref="Adam.RateScale"/>).</summary>
    public Func<string, long, double>? RateScale { get; init; }
}

/// <summary>
/// A run that trains one model by the batch loss its subclass computes: Adam with warm-up and gradient clipping,
/// an EMA copy (what model.safetensors holds), and a seeded generator for the loss's randomness; checkpoints hold
/// model + EMA + optimiser + generator state, so a killed run resumes exactly.
/// </summary>
public abstract class EmaTrainingRun : TrainingRun
{
    public nn.Module Model { get; }
    public nn.Module EmaModel { get; }
    public override long Step => optimizer.Step;
    protected Generator Rng { get; }
    protected Device Device { get; }
    /// <summary>Whether model.safetensors is written in fp16.</summary>
    protected virtual bool ModelFp16 => false;
    protected virtual string PlotTitle => "training loss";

    readonly Adam optimizer;
    readonly Ema ema;
    readonly double gradClip;
    // The loss log's open interval (sum and number of the losses since the last row), saved in checkpoints so that a
    // run resumed in mid-interval logs the row a straight run logs.
    double lossSum;
    int lossCount;

    /// <summary>Seeds the global generator, then builds the model and its EMA copy with <paramref name="build"/>.</summary>
    protected EmaTrainingRun(Func<nn.Module> build, OptimizerSettings opt, RunSchedule schedule, string outDir, Device device)
        : base(outDir, schedule, $"step,loss,lr,{schedule.Items}_per_s,elapsed_s")
    {
        Device = device;
        gradClip = opt.GradClip;
        random.manual_seed(opt.Seed);
        Model = build();
        EmaModel = build();
        Model.to(device);
        EmaModel.to(device);
        EmaModel.eval();
        foreach (var p in EmaModel.parameters()) p.requires_grad = false;
        optimizer = new Adam(Model.named_parameters(), opt.LearningRate) { WeightDecay = opt.WeightDecay, WarmupSteps = opt.WarmupSteps, RateScale = opt.RateScale };
        ema = new Ema(Model, EmaModel, opt.EmaDecay);
        ema.CopyFromLive();
        Rng = new Generator((ulong)opt.Seed);
    }

    /// <summary>The mean loss of the next batch (called in a dispose scope, with the model in training mode).</summary>
    protected abstract Tensor BatchLoss();

    /// <summary>One optimisation step on the next batch; returns the batch loss.</summary>
    public double TrainStep()
    {
        var (value, lr) = Timed(() =>
        {
            using var scope = NewDisposeScope();
            Model.train();
            var l = BatchLoss();
            var value = l.item<float>();
            // A diverged run stops here, before the update, so the last checkpoint stays the last good state.
            if (!float.IsFinite(value))
                throw new UserError($"training diverged at step {Step + 1} (loss {value}); {AfterDivergence()}");
            optimizer.ZeroGrad();
            l.backward();
            optimizer.ClipGradNorm(gradClip);
            var rate = optimizer.CurrentLearningRate;
            optimizer.Update();
            ema.Update(Step);
            return ((double)value, rate);
        });
        Started();
        lossSum += value;
        lossCount++;
        if (Step % Schedule.LogEvery == 0)
        {
            Log.Append(Step, lossSum / lossCount, lr, ItemsPerSecond, Elapsed);
            lossSum = 0;
            lossCount = 0;
        }
        return value;
    }

    protected override string AdvanceOneStep()
    {
        var l = TrainStep();
        var rate = ItemsPerSecond < 100 ? $"{ItemsPerSecond:0.0}" : $"{ItemsPerSecond:0}";
        return $"step {Step}, loss {l:0.0000}, {rate} {Schedule.Items}/s";
    }

    /// <summary>Loads the state of a checkpoint written by <see cref="SaveCheckpoint"/> and disposes its tensors.</summary>
    protected void LoadState(CheckpointHeader header, List<KeyValuePair<string, Tensor>> tensors)
    {
        Checkpoint.LoadWeights(Model, tensors, CheckpointPath);
        Checkpoint.LoadWeights(EmaModel, Checkpoint.Extras(tensors, "ema/"), CheckpointPath);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        optimizer.LoadState(all);
        Rng.set_state(all["rng/generator"]);
        if (all.TryGetValue("log/sums", out var sum) && all.TryGetValue("log/count", out var count))
            (lossSum, lossCount) = (sum.to_type(ScalarType.Float64).data<double>()[0], (int)count.to_type(ScalarType.Int64).item<long>());
        foreach (var (_, x) in tensors) x.Dispose();
        ContinueFrom(header);
    }

    public override void SaveCheckpoint()
    {
        Started();
        var metrics = Metrics();
        var extra = EmaModel.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(optimizer.State())
            .Append(new("rng/generator", Rng.get_state()))
            .Append(new("log/sums", tensor(new[] { lossSum }, ScalarType.Float64)))
            .Append(new("log/count", tensor(new long[] { lossCount })));
        Checkpoint.Save(CheckpointPath, Model, Step, metrics, extra: extra, sampling: Sampling);
        Checkpoint.Save(ModelPath, EmaModel, Step, metrics, fp16: ModelFp16, sampling: Sampling);
        Saved();
        Log.Plot(Path.Combine(OutDir, "loss.png"), title: PlotTitle);
    }
}
