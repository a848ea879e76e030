using System.Text.Json;
using InstantViews.Depth;
using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Training;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Trains a novel-view model (GenWarp, or the warp-and-inpaint baseline on the same pairs) as a
/// <see cref="EmaTrainingRun"/> (Adam with warm-up and clipping, EMA, loss CSV and plot, atomic checkpoints, exact
/// resume: pairs are drawn by index, so a resumed run sees the same pairs), with sample grids of
/// source | warped | generated | ground truth.
/// Files: checkpoint.safetensors, model.safetensors (EMA), train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class GenWarpTrainer : EmaTrainingRun
{
    public PairTrainConfig Settings { get; }

    readonly ScenePairs pairs;
    NovelViewBatch? sampleBatch;

    GenWarpTrainer(string kind, JsonElement config, PairTrainConfig settings, string outDir, Device device, IDepthEstimator? depth)
        : base(() => Build(kind, config), Optimizer(settings.Train), PairSchedule(settings.Train), outDir, device)
    {
        Settings = settings;
        pairs = new ScenePairs(new SceneStreamConfig(settings.Resolution, settings.Resolution, settings.Spp, SceneSplit.Train, settings.Train.Seed,
            MinCovisibility: settings.MinCovisibility, MaxCovisibility: settings.MaxCovisibility), depth);
    }

    static nn.Module Build(string kind, JsonElement config)
    {
        var model = Checkpoint.Build(kind, config);
        return model is INovelViewModel ? model : throw new UserError($"model kind '{kind}' is not a novel-view model (genwarp or warp-inpaint)");
    }

    static OptimizerSettings Optimizer(TrainConfig t) => new(t.LearningRate, t.WeightDecay, t.WarmupSteps, t.GradClip, t.EmaDecay, t.Seed);
    static RunSchedule PairSchedule(TrainConfig t) => new(t.BatchSize, t.LogEvery, t.CheckpointEvery, t.SampleEvery, "pairs");

    /// <summary>Starts a new run of a model of <paramref name="kind"/> ("genwarp" or "warp-inpaint") with its config.</summary>
    public static GenWarpTrainer Create(string kind, object config, PairTrainConfig settings, string outDir, Device? device = null, IDepthEstimator? depth = null)
    {
        RefuseExisting(outDir);
        var t = new GenWarpTrainer(kind, JsonSerializer.SerializeToElement(config, config.GetType(), Json.Options), settings, outDir, device ?? CPU, depth);
        t.Begin(settings);
        return t;
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it (give the estimator its settings' Depth names).</summary>
    public static GenWarpTrainer Resume(string outDir, Device? device = null, IDepthEstimator? depth = null)
    {
        var (settings, header, tensors) = OpenRun<PairTrainConfig>(outDir);
        var t = new GenWarpTrainer(header.Kind, header.Config, settings, outDir, device ?? CPU, depth);
        t.LoadState(header, tensors);
        return t;
    }

    protected override string ProgressName => $"{((ICheckpointable)Model).Kind} train";

    protected override Tensor BatchLoss()
    {
        var batch = pairs.Batch(pairs.Render(Step * Schedule.BatchSize, Schedule.BatchSize), Device);
        return ((INovelViewModel)Model).TrainingLoss(batch, Rng).mean();
    }

    protected override SamplingDefaults Sampling => new()
    {
        SigmaMax = Settings.Train.SigmaMax,
        Steps = Settings.Train.SampleSteps,
        Guidance = Model is GenWarpModel ? Settings.Guidance : 1,
    };

    /// <summary>Rows of source | warped | generated | ground truth from the EMA model on fixed evaluation pairs.</summary>
    public override void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var train = Settings.Train;
        if (sampleBatch is null)
        {
            using var evalPairs = new ScenePairs(pairs.Config with { Split = SceneSplit.Preview, Seed = 0 }, pairs.DepthEstimator);
            sampleBatch = evalPairs.Batch(evalPairs.Render(0, train.SampleCount), Device).DetachFromDisposeScope();
        }
        var generated = NovelViewSampler.Sample((INovelViewModel)EmaModel, sampleBatch, new NovelViewSampling(train.SampleSteps, train.SigmaMax, Settings.Guidance), 1234).X;
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), NovelViewSampler.Sheet(sampleBatch, generated));
    }

    public override void Dispose()
    {
        pairs.Dispose();
        base.Dispose();
    }
}
