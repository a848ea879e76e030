using InstantViews.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// One method of a comparison: views for a batch at the evaluation size, given what the batch was warped from (with the
/// seed fixing its noise), and network evaluations per view, counting GenWarp's semantic-preserver pass (every pair has its
/// own source, so each view pays for one).
/// </summary>
public sealed record ComparedMethod(string Name, Func<NovelViewBatch, WarpInputs, long, (Tensor Views, int Nfe)> Generate, long Parameters = 0)
{
    /// <summary>
    /// A generator as a method (its name, by default, the generator's kind). When the evaluation pairs are larger than
    /// the generator's working size, it works at its size (the inputs resized: source by area, depth nearest) and its
    /// views are upsampled (bicubic) to the pairs' size, with "@size" added to its name.
    /// </summary>
    public static ComparedMethod From(INovelViewGenerator generator, long parameters, int evaluationResolution, string? name = null)
    {
        var own = generator.Resolution;
        if (own == evaluationResolution) return new(name ?? generator.Kind, (batch, inputs, seed) => Counted(generator, () => generator.Generate(batch, inputs, seed)), parameters);
        return new(name ?? $"{generator.Kind}@{own}", (batch, inputs, seed) =>
        {
            var (views, nfe) = AtOwnSize(generator, inputs, seed, batch.Source.device);
            return (Imaging.Resize.To(views, (int)batch.Source.shape[2], (int)batch.Source.shape[3], Imaging.ResizeFilter.Bicubic).clamp(-1, 1), nfe);
        }, parameters);
    }

    /// <summary>
    /// A generator's views composed with the warp at the pairs' size (<see cref="ViewComposition"/>): the warp's pixels
    /// where the source sees, the generated view (upsampled) in the holes. Named "KIND+compose", or "KIND@SIZE+compose"
    /// when the generator works below the evaluation size; <paramref name="composition"/> as the views are composed (default:
    /// as shipped).
    /// </summary>
    public static ComparedMethod Composed(INovelViewGenerator generator, long parameters, int evaluationResolution, string? name = null, CompositionSettings? composition = null) =>
        new(name ?? (generator.Resolution == evaluationResolution ? $"{generator.Kind}+compose" : $"{generator.Kind}@{generator.Resolution}+compose"), (batch, inputs, seed) =>
        {
            if ((composition ?? CompositionSettings.Default).FarSide is not null && batch.WarpedDepth is null)
                throw new ArgumentException("the far-side composition needs the warp's depth (a batch built by NovelViewBatch.Build)");
            var (views, nfe) = AtOwnSize(generator, inputs, seed, batch.Source.device);
            var composed = Enumerable.Range(0, (int)batch.Source.shape[0])
                .Select(i => ViewComposition.Compose(batch.WarpedRgb[i], batch.HoleMask[i, 0], views[i], composition, batch.WarpedDepth?[i])).ToArray();
            return (stack(composed), nfe);
        }, parameters);

    static (Tensor Views, int Nfe) AtOwnSize(INovelViewGenerator generator, WarpInputs inputs, long seed, Device device)
    {
        var (h, w) = ((int)inputs.Source.shape[2], (int)inputs.Source.shape[3]);
        var m = generator.SizeMultiple;
        var ow = Math.Max(m, generator.Resolution / m * m);
        var oh = Math.Max(m, (int)Math.Round((double)ow * h / w / m) * m);
        var own = inputs.Resized(oh, ow);
        return Counted(generator, () => generator.Generate(own.Batch().To(device), own, seed));
    }

    /// <summary>The generator's evaluations per view plus one if it has a semantic preserver (a cache hit on the same
    /// sources in another method's turn does not make a fresh source's view cheaper).</summary>
    static (Tensor Views, int Nfe) Counted(INovelViewGenerator generator, Func<(Tensor Views, int Nfe)> generate)
    {
        var (views, nfe) = generate();
        return (views, nfe + (generator.PreserverRuns > 0 ? 1 : 0));
    }

    /// <summary>The forward warp alone, holes left grey: no network (a reference line, not a baseline).</summary>
    public static ComparedMethod WarpOnly { get; } = new("warp-only", (b, _, _) => (b.WarpedRgb, 0));

    /// <summary>Classical inpainting of the same warp: the holes filled by the harmonic (Laplace) fill of their borders; no network.</summary>
    public static ComparedMethod WarpHarmonic { get; } = new("warp+harmonic", (b, _, _) =>
    {
        var filled = Enumerable.Range(0, (int)b.WarpedRgb.shape[0])
            .Select(i => b.HoleMask[i, 0].min().item<float>() > 0 ? b.WarpedRgb[i] : Imaging.HoleFill.Harmonic(b.WarpedRgb[i], b.HoleMask[i, 0])).ToArray();
        return (stack(filled), 0);
    });

    /// <summary>The harmonic fill of the same warp from the far side only (<see cref="ViewComposition.HarmonicFromFarSide"/>:
    /// the occluders beside the holes are a reflecting wall); no network. Needs batches that carry the warp's depth.</summary>
    public static ComparedMethod WarpHarmonicFarSide(double margin, double reach) => new("warp+harmonic-far", (b, _, _) =>
    {
        if (b.WarpedDepth is null) throw new ArgumentException("the far-side fill needs the warp's depth (a batch built by NovelViewBatch.Build)");
        var filled = Enumerable.Range(0, (int)b.WarpedRgb.shape[0]).Select(i => b.HoleMask[i, 0].min().item<float>() > 0 ? b.WarpedRgb[i]
            : ViewComposition.HarmonicFromFarSide(b.WarpedRgb[i], b.HoleMask[i, 0], b.WarpedDepth[i], margin, reach)).ToArray();
        return (stack(filled), 0);
    });
}
