using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Training;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Trains a built-in depth network (a <see cref="EmaTrainingRun"/>: Adam with warm-up, gradient clipping, EMA,
/// loss CSV and plot, atomic checkpoints and resume). v2 (<see cref="DepthResNet"/>) learns from
/// <see cref="DepthTrainingViews"/> by <see cref="RelativeDepthLoss"/>, its ImageNet encoder frozen for the first
/// steps and then trained at a lower rate; v1 (<see cref="DepthNet"/>) from square procedural views by <see cref="DepthLoss"/>.
/// Run folder: checkpoint.safetensors (training state), model.safetensors (EMA weights, fp16: what ships),
/// train.json, loss.csv, loss.png.
/// </summary>
public sealed class DepthTrainer : EmaTrainingRun
{
    public IDepthNetwork Net => (IDepthNetwork)Model;
    public DepthTrainConfig Train { get; }
    public long ImagesSeen => Step * Train.BatchSize;

    SceneStream? stream;
    DepthTrainingViews? views;

    DepthTrainer(Func<nn.Module> build, DepthTrainConfig train, string outDir, Device device)
        : base(build, new OptimizerSettings(train.LearningRate, 0, train.WarmupSteps, train.GradClip, train.EmaDecay, train.Seed) { RateScale = train.RateScale },
            new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, SampleEvery: 0), outDir, device)
    {
        Train = train;
    }

    /// <summary>A new run of <paramref name="netConfig"/> (a <see cref="DepthResNetConfig"/>, whose encoder starts from ImageNet, or a <see cref="DepthNetConfig"/>).</summary>
    public static DepthTrainer Create(object netConfig, DepthTrainConfig train, string outDir, Device? device = null)
    {
        Check(netConfig, train);
        RefuseExisting(outDir);
        var t = new DepthTrainer(Builder(netConfig, fresh: true), train, outDir, device ?? CPU);
        t.Begin(train);
        return t;
    }

    public static DepthTrainer Resume(string outDir, Device? device = null)
    {
        var (train, header, tensors) = OpenRun<DepthTrainConfig>(outDir);
        object config = header.Kind == "depth-resnet" ? header.ConfigAs<DepthResNetConfig>() : header.ConfigAs<DepthNetConfig>();
        var t = new DepthTrainer(Builder(config, fresh: false), train, outDir, device ?? CPU);
        t.LoadState(header, tensors);
        return t;
    }

    static Func<nn.Module> Builder(object config, bool fresh) => config switch
    {
        // A resumed run loads every weight from its checkpoint: the ImageNet import is needed only at the start.
        DepthResNetConfig r => fresh ? () => DepthResNet.FromImageNet(r) : () => new DepthResNet(r),
        DepthNetConfig u => () => new DepthNet(u),
        _ => throw new ArgumentException($"not a depth network config: {config.GetType().Name}"),
    };

    static void Check(object netConfig, DepthTrainConfig train)
    {
        if (train.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {train.BatchSize}");
        if (netConfig is DepthResNetConfig && (train.Width % DepthResNetConfig.SizeMultiple != 0 || train.Height % DepthResNetConfig.SizeMultiple != 0 || train.Width < 32 || train.Height < 32))
            throw new ArgumentException($"training views must be multiples of {DepthResNetConfig.SizeMultiple} pixels, got {train.Width}x{train.Height}");
    }

    protected override string ProgressName => "depth train";
    protected override bool ModelFp16 => true;
    protected override string PlotTitle => "depth training loss";

    protected override Tensor BatchLoss()
    {
        // The batch of step s holds views s*B ... s*B+B-1 of the stream: a resumed run sees exactly what an uninterrupted one would.
        var first = Step * Train.BatchSize;
        if (Model is DepthResNet v2)
        {
            views ??= new DepthTrainingViews(Train.Width, Train.Height, Train.Spp, Train.Seed,
                Train.Photos is { } dir ? PhotoCorpus.Load(dir) : null);
            v2.EncoderFrozen = Step < Train.EncoderFrozenSteps;
            var (rgbV, depthV, focal) = views.Batch(first, Train.BatchSize);
            // With a canonical camera the targets are the depths it would see: d f_c / f.
            if (v2.Cfg.CanonicalFocal is { } canonical) depthV = depthV * (canonical / focal).view(-1, 1, 1);
            var terms = RelativeDepthLoss.Compute(v2.forward(rgbV.to(Device)), depthV.to(Device),
                new RelativeDepthLoss.Weights(Train.GradientWeight, Train.MetricWeight, Train.ScaleInvariantWeight));
            return terms.Total;
        }
        var net = (DepthNet)Model;
        stream ??= new SceneStream(new SceneStreamConfig(net.Cfg.Resolution, net.Cfg.Resolution, Train.Spp, SceneSplit.Train, Train.Seed, ViewsPerScene: 4));
        var rendered = new RenderedView[Train.BatchSize];
        Parallel.For(0, rendered.Length, i => rendered[i] = stream.RenderView(first + i));
        var rgb = stack(rendered.Select(v => v.RgbTensor()).ToArray()).to(Device);
        var depth = stack(rendered.Select(v => v.DepthTensor()).ToArray()).to(Device);
        // Horizontal flips: a mirrored room has the same depth, mirrored.
        var flip = rand([Train.BatchSize], generator: Rng).lt(0.5).to(Device);
        rgb = where(flip.view(-1, 1, 1, 1), rgb.flip(3), rgb);
        depth = where(flip.view(-1, 1, 1), depth.flip(2), depth);
        return DepthLoss.Compute(net.forward(rgb), depth, Train.ScaleInvariantWeight);
    }

    public override void Dispose()
    {
        stream?.Dispose();
        base.Dispose();
    }
}
