using System.CommandLine;
using InstantViews.NovelViews;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>Options of the generating verbs (nvs, orbit).</summary>
sealed record GenerationOptions(Option<string> Model, Option<int?> Steps, Option<double?> Guidance, Option<double?> SigmaMax, Option<double> MaxStep, Option<string> Sampler,
    Option<string> Compose, Option<int> MaxSize, Option<double?> NoiseScale, CompositionOptions Composition)
{
    /// <summary>The photo capped to --max-size and its views made at that size (the fill is the photo itself).</summary>
    public PhotoViewSizes Sizes(ParseResult p) => new(p.GetValue(MaxSize), p.GetValue(MaxSize));

    /// <summary>--compose full: the view at the photo's size; model: the model's own output at its working size.</summary>
    public bool Composed(ParseResult p) => p.GetValue(Compose) == "full";

    public static GenerationOptions Create() => new(
        new Option<string>("--model") { Description = "GenWarp (or warp-inpaint) model file", Required = true },
        new Option<int?>("--steps") { Description = "Grid points (Heun: 2N-1 evaluations; twice that with guidance; default: the model's, 18)" },
        new Option<double?>("--guidance") { Description = "Guidance scale (1 = none; the unconditional branch drops the global embedding and reference tokens; default: the model's, 2 for GenWarp)" },
        new Option<double?>("--sigma-max") { Description = "Largest noise level (default: the model's)" },
        new Option<double>("--max-step") { Description = "Largest rotation (degrees) per generation; larger moves go through intermediate cameras, feeding outputs back (0 = one jump)", DefaultValueFactory = _ => 0 },
        NovelViewOptions.SamplerOption(),
        ComposeOption(),
        new Option<int>("--max-size") { Description = "With --compose full: the longest side of the output view (larger photos are scaled down)", DefaultValueFactory = _ => 1024 },
        NovelViewOptions.NoiseScaleOption(),
        CompositionOptions.Create());

    static Option<string> ComposeOption()
    {
        var o = new Option<string>("--compose")
        {
            Description = "full: the view at the photo's size (the full-resolution warp where the source sees, the generated view, upsampled, in the holes, across a feathered seam); model: the model's own output at its working size",
            DefaultValueFactory = _ => "full",
        };
        o.AcceptOnlyFromAmong("full", "model");
        return o;
    }

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Model, Steps, Guidance, SigmaMax, MaxStep, Sampler, Compose, MaxSize, NoiseScale }) cmd.Options.Add(o);
        Composition.AddTo(cmd);
    }

    /// <summary>The model's pipeline, sampled with its own settings except where the command line gives one.</summary>
    public NovelViewPipeline Load(ParseResult p, Device device) => new(NovelViewGenerators.Open(p.GetValue(Model)!, device,
        new SamplingOverrides(p.GetValue(Steps), p.GetValue(SigmaMax), p.GetValue(Guidance), p.GetValue(Sampler), p.GetValue(NoiseScale))), device);
}
