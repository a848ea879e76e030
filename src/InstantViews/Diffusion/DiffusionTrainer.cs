using System.Diagnostics;
using System.Text.Json;
using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>
/// Trains an EDM diffusion U-Net: Adam with warm-up, gradient clipping, EMA, loss CSV and plot, periodic sample
/// grids, and atomic checkpoints holding model + EMA + optimiser + step + RNG, so a killed run resumes exactly.
/// Files in the run folder: checkpoint.safetensors (training state), model.safetensors (EMA weights, what
/// sampling uses), train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class DiffusionTrainer
{
    public UNet Net { get; }
    public UNet EmaNet { get; }
    public TrainConfig Train { get; }
    public long Step => optimizer.Step;
    public string OutDir { get; }
    public long ImagesSeen => Step * Train.BatchSize;

    readonly ITrainingImages data;
    readonly Adam optimizer;
    readonly Ema ema;
    readonly Generator gen;
    readonly EdmLoss loss = new();
    readonly LossLog log;
    readonly Device device;
    double lossSum;
    int lossCount;
    double elapsedBefore;
    readonly Stopwatch clock = new();

    public string CheckpointPath => Path.Combine(OutDir, "checkpoint.safetensors");
    public string ModelPath => Path.Combine(OutDir, "model.safetensors");

    DiffusionTrainer(UNetConfig netConfig, TrainConfig train, ITrainingImages data, string outDir, Device device)
    {
        if (data.Channels != netConfig.InChannels)
            throw new UserError($"data has {data.Channels} channels, the U-Net config expects {netConfig.InChannels}");
        Train = train;
        this.data = data;
        this.device = device;
        OutDir = outDir;
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"'{outDir}': cannot create output folder ({e.Message})"); }
        random.manual_seed(train.Seed);
        Net = new UNet(netConfig);
        EmaNet = new UNet(netConfig);
        Net.to(device);
        EmaNet.to(device);
        EmaNet.eval();
        foreach (var p in EmaNet.parameters()) p.requires_grad = false;
        optimizer = new Adam(Net.named_parameters(), train.LearningRate) { WeightDecay = train.WeightDecay, WarmupSteps = train.WarmupSteps };
        ema = new Ema(Net, EmaNet, train.EmaDecay);
        ema.CopyFromLive();
        gen = new Generator((ulong)train.Seed);
        log = new LossLog(Path.Combine(outDir, "loss.csv"), "step,loss,lr,images_per_s,elapsed_s");
    }

    /// <summary>Starts a new run in <paramref name="outDir"/> (refuses to overwrite an existing run).</summary>
    public static DiffusionTrainer Create(UNetConfig netConfig, TrainConfig train, ITrainingImages data, string outDir, Device? device = null)
    {
        if (File.Exists(Path.Combine(outDir, "checkpoint.safetensors")))
            throw new UserError($"'{outDir}' already holds a run; pass --resume to continue it or choose another --out");
        var t = new DiffusionTrainer(netConfig, train, data, outDir, device ?? CPU);
        AtomicFile.WriteText(Path.Combine(outDir, "train.json"), JsonSerializer.Serialize(train, Json.Options));
        t.log.TruncateAfter(0);
        return t;
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it.</summary>
    public static DiffusionTrainer Resume(string outDir, ITrainingImages data, Device? device = null)
    {
        var ckpt = Path.Combine(outDir, "checkpoint.safetensors");
        var trainJson = Path.Combine(outDir, "train.json");
        if (!File.Exists(ckpt) || !File.Exists(trainJson)) throw new UserError($"'{outDir}': no run to resume (checkpoint.safetensors and train.json expected)");
        var train = JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(trainJson), Json.Options)!;
        var (header, tensors) = Checkpoint.ReadAll(ckpt);
        var t = new DiffusionTrainer(header.ConfigAs<UNetConfig>(), train, data, outDir, device ?? CPU);
        Checkpoint.LoadWeights(t.Net, tensors, ckpt);
        var all = tensors.ToDictionary(p => p.Key, p => p.Value);
        Checkpoint.LoadWeights(t.EmaNet, Checkpoint.Extras(tensors, "ema/"), ckpt);
        t.optimizer.LoadState(all);
        t.gen.set_state(all["rng/generator"]);
        t.elapsedBefore = header.Metrics.GetValueOrDefault("elapsed_s");
        foreach (var (_, x) in tensors) x.Dispose();
        t.log.TruncateAfter(t.Step);
        return t;
    }

    /// <summary>One optimisation step on a fresh batch; returns the batch loss.</summary>
    public double TrainStep()
    {
        clock.Start();
        using var scope = NewDisposeScope();
        Net.train();
        var x = data.NextBatch(Train.BatchSize, Step).to(device);
        if (Train.Flip) x = EdmLoss.RandomFlip(x, gen);
        optimizer.ZeroGrad();
        var l = loss.PerSample((xn, s) => Edm.Denoise(Net, xn, s), x, gen).mean();
        l.backward();
        optimizer.ClipGradNorm(Train.GradClip);
        var lr = optimizer.CurrentLearningRate;
        optimizer.Update();
        ema.Update(Step);
        var value = l.item<float>();
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
    /// <summary>Training throughput of this session (time inside training steps only).</summary>
    public double ImagesPerSecond => clock.Elapsed.TotalSeconds > 0 ? stepsThisSession * (double)Train.BatchSize / clock.Elapsed.TotalSeconds : 0;
    long stepsThisSession;

    /// <summary>Trains until <paramref name="maxSteps"/> total steps or <paramref name="minutes"/> of wall time, checkpointing and sampling periodically.</summary>
    public void Run(long? maxSteps, double? minutes, CancellationToken cancel = default)
    {
        var deadline = minutes is { } m ? DateTime.UtcNow.AddMinutes(m) : DateTime.MaxValue;
        var total = maxSteps is { } s ? Math.Max(0, s - Step) : 0;
        using var progress = Progress.Start("diffusion train", total, "steps");
        while ((maxSteps is null || Step < maxSteps) && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            var l = TrainStep();
            progress.Advance(1, $"step {Step}, loss {l:0.0000}, {ImagesPerSecond:0} img/s");
            if (Step % Train.CheckpointEvery == 0) SaveCheckpoint();
            if (Train.SampleEvery > 0 && Step % Train.SampleEvery == 0) WriteSamples();
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
            ["images_seen"] = ImagesSeen,
            ["sigma_max"] = Train.SigmaMax,
        };
        var extra = EmaNet.state_dict().Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value))
            .Concat(optimizer.State())
            .Append(new("rng/generator", gen.get_state()));
        Checkpoint.Save(CheckpointPath, Net, Step, metrics, extra: extra);
        Checkpoint.Save(ModelPath, EmaNet, Step, metrics);
        log.Plot(Path.Combine(OutDir, "loss.png"));
    }

    /// <summary>Samples a grid from the EMA model with Heun (fixed noise, so grids are comparable over time).</summary>
    public void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = new Generator(1234);
        var x = Samplers.InitialNoise([Train.SampleCount, data.Channels, data.Height, data.Width], Train.SigmaMax, g).to(device);
        var result = Samplers.Heun(new EdmDenoiser(EmaNet), x, NoiseGrid.Karras(Train.SampleSteps, sigmaMax: Train.SigmaMax));
        var grid = ImageGrid.Tile(result.X.clamp(-1, 1).cpu(), (int)Math.Ceiling(Math.Sqrt(Train.SampleCount)));
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), grid);
    }
}
