using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>One scored batch: nine paired metrics per pair, ResNet-18 features [N,512] of the generated and real views, and an optional example sheet.</summary>
public sealed record BatchScores(IReadOnlyList<double[]> PerPair, Tensor Fake, Tensor Real, Tensor? Examples) : IDisposable
{
    public void Dispose() => Dispose(true);

    public void Dispose(bool disposeExamples)
    {
        Fake.Dispose();
        Real.Dispose();
        if (disposeExamples) Examples?.Dispose();
    }
}
