using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Runtime;
using InstantViews.Training;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>
/// Trains an EDM diffusion U-Net (a <see cref="EmaTrainingRun"/>: Adam with warm-up, gradient clipping, EMA, loss
/// CSV and plot, atomic checkpoints and exact resume) on batches of training images, with periodic sample grids.
/// Files in the run folder: checkpoint.safetensors (training state), model.safetensors (EMA weights, what
/// sampling uses), train.json, loss.csv, loss.png, samples-XXXXXXX.png.
/// </summary>
public sealed class DiffusionTrainer : EmaTrainingRun
{
    public UNet Net => (UNet)Model;
    public UNet EmaNet => (UNet)EmaModel;
    public TrainConfig Train { get; }
    public long ImagesSeen => Step * Train.BatchSize;

    readonly ITrainingImages data;
    readonly EdmLoss loss = new();

    DiffusionTrainer(UNetConfig netConfig, TrainConfig train, ITrainingImages data, string outDir, Device device)
        : base(() => new UNet(netConfig), Optimizer(train), new RunSchedule(train.BatchSize, train.LogEvery, train.CheckpointEvery, train.SampleEvery),
            outDir, device)
    {
        Train = train;
        this.data = data;
    }

    static void CheckChannels(ITrainingImages data, UNetConfig netConfig)
    {
        if (data.Channels != netConfig.InChannels)
            throw new UserError($"data has {data.Channels} channels, the U-Net config expects {netConfig.InChannels}");
    }

    static OptimizerSettings Optimizer(TrainConfig t) => new(t.LearningRate, t.WeightDecay, t.WarmupSteps, t.GradClip, t.EmaDecay, t.Seed);

    /// <summary>Starts a new run in <paramref name="outDir"/> (refuses to overwrite an existing run).</summary>
    public static DiffusionTrainer Create(UNetConfig netConfig, TrainConfig train, ITrainingImages data, string outDir, Device? device = null)
    {
        CheckChannels(data, netConfig);
        RefuseExisting(outDir);
        var t = new DiffusionTrainer(netConfig, train, data, outDir, device ?? CPU);
        t.Begin(train);
        return t;
    }

    /// <summary>Resumes the run in <paramref name="outDir"/> exactly where its last checkpoint left it.</summary>
    public static DiffusionTrainer Resume(string outDir, ITrainingImages data, Device? device = null) => Resume(outDir, (_, _) => data, device);

    /// <summary>
    /// Resumes the run in <paramref name="outDir"/>, opening its data with <paramref name="openData"/>(resolution, seed)
    /// at the run's own training resolution and seed, so it draws the batches it would have drawn.
    /// </summary>
    public static DiffusionTrainer Resume(string outDir, Func<int, long, ITrainingImages> openData, Device? device = null)
    {
        var (train, header, tensors) = OpenRun<TrainConfig>(outDir);
        var netConfig = header.ConfigAs<UNetConfig>();
        var data = openData(netConfig.Resolution, train.Seed);
        CheckChannels(data, netConfig);
        if (data.Height != netConfig.Resolution || data.Width != netConfig.Resolution)
            throw new UserError($"'{outDir}': the run trains at {netConfig.Resolution}x{netConfig.Resolution}, the data given are {data.Width}x{data.Height}");
        var t = new DiffusionTrainer(netConfig, train, data, outDir, device ?? CPU);
        t.LoadState(header, tensors);
        return t;
    }

    protected override string ProgressName => "diffusion train";

    protected override SamplingDefaults Sampling => new() { SigmaMax = Train.SigmaMax };

    protected override Tensor BatchLoss()
    {
        var x = data.NextBatch(Train.BatchSize, Step).to(Device);
        if (Train.Flip) x = EdmLoss.RandomFlip(x, Rng);
        return loss.PerSample((xn, s) => Edm.Denoise(Net, xn, s), x, Rng).mean();
    }

    /// <summary>Samples a grid from the EMA model with Heun (fixed noise, so grids are comparable over time).</summary>
    public override void WriteSamples()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = new Generator(1234);
        var x = Samplers.InitialNoise([Train.SampleCount, data.Channels, data.Height, data.Width], Train.SigmaMax, g).to(Device);
        var result = SamplerRegistry.Get("heun")(new EdmDenoiser(EmaNet), x, NoiseGrid.Karras(Train.SampleSteps, sigmaMax: Train.SigmaMax));
        var grid = ImageGrid.Tile(result.X.clamp(-1, 1).cpu(), (int)Math.Ceiling(Math.Sqrt(Train.SampleCount)));
        ImageFile.Write(Path.Combine(OutDir, $"samples-{Step:D7}.png"), grid);
    }
}
