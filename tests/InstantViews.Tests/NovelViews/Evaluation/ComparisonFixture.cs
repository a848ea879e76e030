using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.NovelViews;
using InstantViews.NovelViews.Evaluation;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;

namespace InstantViews.Tests.NovelViews.Evaluation;

/// <summary>Tiny models and one full comparison of every method, shared by the tests (the comparison takes a while).</summary>
public sealed class ComparisonFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public GenWarpModel GenWarp { get; }
    public WarpInpaintModel Baseline { get; }
    public OneStepGenWarp OneStep { get; }
    public ComparisonSettings Settings { get; }
    public ComparisonResult Full { get; }

    public ComparisonFixture()
    {
        TestTorch.Init();
        GenWarp = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(GenWarp, 6);
        GenWarp.eval();
        Baseline = new WarpInpaintModel(TinyGenWarp.BaselineConfig);
        Baseline.eval();
        OneStep = OneStepGenWarp.FromTeacher(GenWarp, 20);
        OneStep.eval();
        var depth = Dir.File("depth.safetensors");
        Checkpoint.Save(depth, new DepthNet(new DepthNetConfig { Resolution = 16, Channels = 4, ChannelMult = [1, 2] }));
        Settings = new ComparisonSettings { PairsPerRange = 2, Spp = 1, DepthModel = depth };
        Full = NovelViewComparison.Run(Methods(), 16, Settings, Dir.File("full"));
    }

    /// <summary>The methods as `genwarp eval` builds them (fresh generators: no preserver cache carried between runs), optionally only some.</summary>
    public List<ComparedMethod> Methods(params string[] only)
    {
        // Heun on 2 points; the baseline samples with GenWarp's grid, without guidance.
        var sampling = new NovelViewSampling(Steps: 2, SigmaMax: 20);
        var oneStep = new OneStepViews(OneStep);
        var genwarp = new SampledViews(GenWarp, sampling);
        List<ComparedMethod> all =
        [
            ComparedMethod.From(genwarp, GenWarp.ParameterCount, 16),
            ComparedMethod.Composed(genwarp, GenWarp.ParameterCount, 16),
            ComparedMethod.From(oneStep, OneStep.ParameterCount, 16),
            ComparedMethod.Composed(oneStep, OneStep.ParameterCount, 16),
            ComparedMethod.From(new SampledViews(Baseline, sampling with { Guidance = 1 }), Baseline.ParameterCount, 16),
            ComparedMethod.WarpHarmonic,
            ComparedMethod.WarpOnly,
        ];
        return only.Length == 0 ? all : [.. all.Where(m => only.Contains(m.Name))];
    }

    public void Dispose() => Dir.Dispose();
}
