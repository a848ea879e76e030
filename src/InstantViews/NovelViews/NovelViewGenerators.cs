using InstantViews.GenWarp;
using InstantViews.OneStep;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>Opening any novel-view model file as an <see cref="INovelViewGenerator"/>, as a pretrained pipeline is opened.</summary>
public static class NovelViewGenerators
{
    /// <summary>
    /// A GenWarp or warp-and-inpaint model with its sampler, or a one-step GenWarp, from a model file. A diffusion
    /// model samples with the settings in its header (<see cref="SamplingDefaults.Of"/>), replaced only where
    /// <paramref name="overrides"/> gives one; the warp-and-inpaint baseline has no unconditional branch, so its
    /// guidance is always 1. A one-step GenWarp draws its noise at the header's noise scale unless one is given.
    /// </summary>
    public static INovelViewGenerator Open(string path, Device? device = null, SamplingOverrides? overrides = null)
    {
        var (module, header) = Checkpoint.Load(path, device);
        module.eval();
        var given = overrides ?? new SamplingOverrides();
        var own = SamplingDefaults.Of(header);
        return module switch
        {
            OneStepGenWarp oneStep => new OneStepViews(oneStep, given.NoiseScale ?? own.NoiseScale),
            INovelViewModel model => new SampledViews(model, new NovelViewSampling(given.Steps ?? own.Steps, given.SigmaMax ?? own.SigmaMax,
                header.Kind == "warp-inpaint" ? 1 : given.Guidance ?? own.Guidance, given.Sampler ?? own.Sampler)),
            _ => throw new UserError($"'{path}': holds a '{header.Kind}' model, expected genwarp, genwarp-1step or warp-inpaint"),
        };
    }

    /// <summary>
    /// Opens as <see cref="Open(string, Device?, SamplingOverrides?)"/> does, refusing a file of another kind than
    /// <paramref name="kind"/> (genwarp and warp-inpaint open as <see cref="SampledViews"/>, genwarp-1step as <see cref="OneStepViews"/>).
    /// </summary>
    public static INovelViewGenerator Open(string path, string kind, Device? device = null, SamplingOverrides? overrides = null)
    {
        var generator = Open(path, device, overrides);
        return generator.Kind == kind ? generator : throw new UserError($"'{path}': holds a '{generator.Kind}' model, expected {kind}");
    }
}
