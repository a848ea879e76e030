using InstantViews.Scenes;
using InstantViews.Training;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Trains the built-in depth network on streamed scene views with exact depth (a <see cref="EmaTrainingRun"/>:
/// Adam with warm-up, gradient clipping, EMA, loss CSV and plot, atomic checkpoints and resume).
/// Run folder: checkpoint.safetensors (training state), model.safetensors (EMA weights, fp16: what ships),
/// train.json, loss.csv, loss.png.
/// </summary>
public sealed class DepthTrainer : EmaTrainingRun
{
    public DepthNet Net => (DepthNet)Model;
    public DepthNet EmaNet => (DepthNet)EmaModel;
    public DepthTrainConfig Train { get; }
    public long ImagesSeen => Step * Train.BatchSize;

    SceneStream? stream;

    DepthTrainer(DepthNetConfig netConfig, DepthTrainConfig train, string outDir, Device device)
        : base(() => new DepthNet(netConfig), new OptimizerSettings(train.LearningRate, 0, train.WarmupSteps, train.GradClip, train.EmaDecay, train.Seed),
            new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, SampleEvery: 0), outDir, device)
    {
        Train = train;
    }

    public static DepthTrainer Create(DepthNetConfig netConfig, DepthTrainConfig train, string outDir, Device? device = null)
    {
        RefuseExisting(outDir);
        var t = new DepthTrainer(netConfig, train, outDir, device ?? CPU);
        t.Begin(train);
        return t;
    }

    public static DepthTrainer Resume(string outDir, Device? device = null)
    {
        var (train, header, tensors) = OpenRun<DepthTrainConfig>(outDir);
        var t = new DepthTrainer(header.ConfigAs<DepthNetConfig>(), train, outDir, device ?? CPU);
        t.LoadState(header, tensors);
        return t;
    }

    protected override string ProgressName => "depth train";
    protected override bool ModelFp16 => true;
    protected override string PlotTitle => "depth training loss";

    SceneStream Stream => stream ??= new SceneStream(new SceneStreamConfig(Net.Cfg.Resolution, Net.Cfg.Resolution, Train.Spp,
        SceneSplit.Train, Train.Seed, ViewsPerScene: 4));

    protected override Tensor BatchLoss()
    {
        // The batch of step s holds views s*B ... s*B+B-1 of the stream: a resumed run sees exactly what an uninterrupted one would.
        var first = Step * Train.BatchSize;
        var views = new RenderedView[Train.BatchSize];
        Parallel.For(0, views.Length, i => views[i] = Stream.RenderView(first + i));
        var rgb = stack(views.Select(v => v.RgbTensor()).ToArray()).to(Device);
        var depth = stack(views.Select(v => v.DepthTensor()).ToArray()).to(Device);
        // Horizontal flips: a mirrored room has the same depth, mirrored.
        var flip = rand([Train.BatchSize], generator: Rng).lt(0.5).to(Device);
        rgb = where(flip.view(-1, 1, 1, 1), rgb.flip(3), rgb);
        depth = where(flip.view(-1, 1, 1), depth.flip(2), depth);
        return DepthLoss.Compute(Net.forward(rgb), depth, Train.ScaleInvariantWeight);
    }

    public override void Dispose()
    {
        stream?.Dispose();
        base.Dispose();
    }
}
