using InstantViews.Runtime;

namespace InstantViews.Depth;

/// <summary>
/// How a family of public ONNX depth exports is run: normalisation, output kind, and the input size a dynamic model
/// gets (the short side scaled to <see cref="ShortSide"/>, each side rounded up to a multiple of <see cref="Multiple"/>,
/// as the models' own preprocessing does). A model with a fixed input size always gets that size.
/// </summary>
public sealed record OnnxDepthPreset(string Name, double[] Mean, double[] Std, DepthOutputKind Output, int Multiple, int ShortSide, string About)
{
    static readonly double[] ImageNetMean = [0.485, 0.456, 0.406];
    static readonly double[] ImageNetStd = [0.229, 0.224, 0.225];

    /// <summary>Depth Anything V2 (small, base): ViT patches of 14 px, trained at 518 px, relative inverse depth.</summary>
    public static readonly OnnxDepthPreset DepthAnythingV2 = new("depth-anything-v2", ImageNetMean, ImageNetStd, DepthOutputKind.InverseDepth, 14, 518,
        "Depth Anything V2: multiples of 14 around 518 px, ImageNet normalisation, relative inverse depth");

    /// <summary>MiDaS v2.1 small: 256x256 (its release export is fixed), relative inverse depth.</summary>
    public static readonly OnnxDepthPreset MidasSmall = new("midas-small", ImageNetMean, ImageNetStd, DepthOutputKind.InverseDepth, 32, 256,
        "MiDaS v2.1 small: 256 px, ImageNet normalisation, relative inverse depth");

    /// <summary>Metric exports (Depth Anything V2 metric, ZoeDepth): depth in metres, sized as Depth Anything.</summary>
    public static readonly OnnxDepthPreset Metric = new("metric", ImageNetMean, ImageNetStd, DepthOutputKind.MetricDepth, 14, 518,
        "metric depth in metres: multiples of 14 around 518 px, ImageNet normalisation");

    /// <summary>No family: only the --onnx-* options (ImageNet normalisation, metric output, the model's or the image's size).</summary>
    public static readonly OnnxDepthPreset Custom = new("custom", ImageNetMean, ImageNetStd, DepthOutputKind.MetricDepth, 1, 0,
        "custom: the --onnx-* options alone");

    public static IReadOnlyList<OnnxDepthPreset> All { get; } = [DepthAnythingV2, MidasSmall, Metric, Custom];

    public static OnnxDepthPreset Named(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new UserError($"--onnx-preset: '{name}' is not a preset; use {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>
    /// The preset a model's signature implies, or null: a fixed 256x256 input is MiDaS small; Depth Anything is a fixed
    /// input whose sides are multiples of 14 with a [1, H, W] output, or a dynamic one named as the Hugging Face exports
    /// name it (input pixel_values or output predicted_depth) or with a [1, H, W] output. A dims entry below 1 is dynamic.
    /// </summary>
    public static (OnnxDepthPreset Preset, string Reason)? Detect(string inputName, int[] inputDims, string outputName, int[] outputDims)
    {
        if (inputDims.Length != 4) return null;
        int h = inputDims[2], w = inputDims[3];
        var fixedSize = h > 0 && w > 0;
        var rank3 = outputDims.Length == 3;
        if (fixedSize && h == 256 && w == 256) return (MidasSmall, "input 256x256");
        if (fixedSize && h % 14 == 0 && w % 14 == 0 && rank3) return (DepthAnythingV2, $"input {w}x{h}, multiples of 14, output [1, H, W]");
        if (fixedSize) return null;
        if (inputName == "pixel_values" || outputName == "predicted_depth") return (DepthAnythingV2, $"dynamic input '{inputName}', output '{outputName}'");
        if (rank3) return (DepthAnythingV2, "dynamic input, output [1, H, W]");
        return null;
    }

    /// <summary>
    /// The model input (height, width) for an image: a fixed model dimension (above 0) as it is; otherwise the image
    /// scaled so its short side is <see cref="ShortSide"/>, each side rounded up to a multiple of <see cref="Multiple"/>
    /// (<see cref="ShortSide"/> 0: the image's own size).
    /// </summary>
    public (int Height, int Width) InputSize(int imageHeight, int imageWidth, int fixedHeight = 0, int fixedWidth = 0)
    {
        double scale = ShortSide > 0 ? (double)ShortSide / Math.Min(imageHeight, imageWidth) : 1;
        int Side(int image, int fixedSide) =>
            fixedSide > 0 ? fixedSide : Math.Max(Multiple, (int)Math.Ceiling(image * scale / Multiple - 1e-9) * Multiple);
        return (Side(imageHeight, fixedHeight), Side(imageWidth, fixedWidth));
    }
}
