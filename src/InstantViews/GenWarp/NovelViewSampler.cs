using InstantViews.Diffusion;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>Generates target views for a batch with any of the core's samplers; NFE is counted by the sampler.</summary>
public static class NovelViewSampler
{
    /// <summary>Samples targets [N,3,H,W] in [-1, 1]; the initial noise comes from <paramref name="seed"/> (same seed, same noise).</summary>
    public static SampleResult Sample(INovelViewModel model, NovelViewBatch batch, NovelViewSampling settings, long seed, Tensor? initialNoise = null)
    {
        using var noGrad = no_grad();
        var shape = new[] { batch.Count, 3L, batch.Source.shape[2], batch.Source.shape[3] };
        var x = initialNoise is null
            ? Samplers.InitialNoise(shape, settings.SigmaMax, new Generator((ulong)seed)).to(batch.Source.device)
            : initialNoise.to(batch.Source.device) * settings.SigmaMax;
        var denoiser = model.Denoiser(batch, settings.Guidance);
        var grid = NoiseGrid.Karras(settings.Steps, sigmaMax: settings.SigmaMax);
        var result = SamplerRegistry.Get(settings.Sampler)(denoiser, x, grid, new Generator((ulong)seed + 1));
        return result with { X = result.X.clamp(-1, 1) };
    }

    /// <summary>One row per pair: source | warped | generated | ground truth (when known).</summary>
    public static Tensor Sheet(NovelViewBatch batch, Tensor generated)
    {
        var tiles = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++)
        {
            tiles.Add(batch.Source[i].cpu());
            tiles.Add(batch.WarpedRgb[i].cpu());
            tiles.Add(generated[i].cpu());
            if (batch.Target is { } t) tiles.Add(t[i].cpu());
        }
        return ImageGrid.Tile(tiles, batch.Target is null ? 3 : 4);
    }
}
