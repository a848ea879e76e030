using System.Globalization;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;

namespace InstantViews.Depth;

/// <summary>
/// An external depth model (Depth Anything, MiDaS, ZoeDepth exported to ONNX) run by ONNX Runtime. Its preset (input
/// size, normalisation, output kind) is the one given, else the one its signature implies (<see cref="OnnxDepthPreset.Detect"/>);
/// relative inverse depth becomes metres by known depths, an explicit scale and shift, or the focal-length prior.
/// </summary>
public sealed class OnnxDepth : IDepthEstimator, IDisposable
{
    readonly InferenceSession session;
    readonly string inputName;
    readonly int[] inputDims;
    string scaleNote = "";
    int? lastLongSide;

    public OnnxDepthOptions Options { get; }
    public string ModelPath { get; }
    public OnnxDepthPreset Preset { get; }
    /// <summary>Why <see cref="Preset"/>: "named", "detected from ..." or "no preset matched the signature".</summary>
    public string PresetSource { get; }
    public double[] Mean { get; }
    public double[] Std { get; }
    public DepthOutputKind Output { get; }

    /// <summary>The model, its preset and how the last estimate got its metres (a guess says so).</summary>
    public string Description =>
        $"onnx '{System.IO.Path.GetFileName(ModelPath)}' ({Preset.Name} preset, {PresetSource}; {(Output == DepthOutputKind.MetricDepth ? "metric depth" : "relative inverse depth")}{scaleNote})";

    public OnnxDepth(string modelPath, OnnxDepthOptions? options = null)
    {
        Options = options ?? new OnnxDepthOptions();
        ModelPath = modelPath;
        if (!File.Exists(modelPath)) throw new UserError($"'{modelPath}': ONNX model not found");
        try { session = new InferenceSession(modelPath); }
        catch (OnnxRuntimeException e) { throw new UserError($"'{modelPath}': ONNX Runtime cannot load it ({e.Message.Split('\n')[0]})"); }
        var input = session.InputMetadata.First();
        inputName = input.Key;
        inputDims = input.Value.Dimensions;
        if (inputDims.Length != 4 || (inputDims[1] > 0 && inputDims[1] != 3))
        {
            session.Dispose();
            throw new UserError($"'{modelPath}': expected an image input [N, 3, H, W], got [{string.Join(", ", inputDims)}]");
        }
        var output = session.OutputMetadata.First();
        if (Options.Preset is { } named) (Preset, PresetSource) = (named, "named");
        else if (OnnxDepthPreset.Detect(inputName, inputDims, output.Key, output.Value.Dimensions) is { } found) (Preset, PresetSource) = (found.Preset, $"detected from {found.Reason}");
        else (Preset, PresetSource) = (OnnxDepthPreset.Custom, "no preset matched the signature");
        Mean = Options.Mean ?? Preset.Mean;
        Std = Options.Std ?? Preset.Std;
        Output = Options.Output ?? Preset.Output;
        if (Mean.Length != 3 || Std.Length != 3 || Std.Any(s => !(s > 0)))
        {
            session.Dispose();
            throw new UserError($"'{modelPath}': --onnx-mean needs 3 numbers and --onnx-std 3 positive numbers");
        }
        if (Preset.Multiple > 1 && (Options.InputWidth % Preset.Multiple != 0 || Options.InputHeight % Preset.Multiple != 0))
        {
            session.Dispose();
            throw new UserError($"--onnx-size {Options.InputWidth}x{Options.InputHeight}: the {Preset.Name} preset needs multiples of {Preset.Multiple}");
        }
    }

    /// <summary>The model input (height, width) an image of this size gets: --onnx-size, else the model's fixed size, else the preset's rule.</summary>
    public (int Height, int Width) InputSize(int height, int width)
    {
        var (h, w) = Preset.InputSize(height, width, inputDims[2], inputDims[3]);
        return (Options.InputHeight > 0 ? Options.InputHeight : h, Options.InputWidth > 0 ? Options.InputWidth : w);
    }

    /// <summary>
    /// The long side of the model's input: the last one an estimate used; before any, the fixed size (the options' or
    /// the model's), else the preset's short side (a lower bound of its long side); null where it takes the photo's own size.
    /// </summary>
    public int? NativeLongSide => lastLongSide
        ?? (Options.InputWidth > 0 ? Math.Max(Options.InputWidth, Options.InputHeight)
        : inputDims[2] > 0 && inputDims[3] > 0 ? Math.Max(inputDims[2], inputDims[3])
        : Preset.ShortSide > 0 ? Preset.ShortSide : null);

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        using var scope = NewDisposeScope();
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        var (ih, iw) = InputSize(h, w);
        // A model run at the photo's own size has no lower native size to upsample from.
        lastLongSide = Preset.ShortSide > 0 || ih != h || iw != w ? Math.Max(ih, iw) : null;
        // Area when shrinking, bicubic when enlarging: closest to the models' own (cubic) preprocessing.
        var x = Resize.To(rgb.to_type(ScalarType.Float32).cpu(), ih, iw);
        var mean = tensor(Mean.Select(v => (float)v).ToArray()).view(3, 1, 1);
        var std = tensor(Std.Select(v => (float)v).ToArray()).view(3, 1, 1);
        x = ((x + 1) / 2 - mean) / std;
        var data = x.contiguous().data<float>().ToArray();
        var inputTensor = new DenseTensor(data, [1, 3, ih, iw]);
        float[] outData;
        int[] outDims;
        try
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, inputTensor)]);
            var output = results.First().AsTensor<float>();
            outDims = output.Dimensions.ToArray();
            outData = output.ToArray();
        }
        catch (OnnxRuntimeException e) { throw new UserError($"'{ModelPath}': ONNX Runtime failed on a [1, 3, {ih}, {iw}] input ({e.Message.Split('\n')[0]})"); }
        var spatial = outDims.SkipWhile(d => d == 1).ToArray();
        if (spatial.Length != 2) throw new UserError($"'{ModelPath}': expected a depth output [1, 1, H, W], [1, H, W] or [H, W], got [{string.Join(", ", outDims)}]");
        var raw = tensor(outData, [1, 1, spatial[0], spatial[1]]);
        raw = Resize.To(raw, h, w, ResizeFilter.Bilinear)[0, 0];
        var depth = Output == DepthOutputKind.MetricDepth ? MetricToDepth(raw) : InverseToDepth(raw, camera);
        DepthValidation.Require(depth, h, w, $"'{ModelPath}' output");
        return depth.MoveToOuterDisposeScope();
    }

    Tensor MetricToDepth(Tensor raw)
    {
        if (Options.Known is { Count: >= 1 } known)
        {
            var s = FitScale(raw, known);
            scaleNote = string.Create(CultureInfo.InvariantCulture, $", scale {s:G4} fitted to {Count(known.Count)}");
            return raw * s;
        }
        var (scale, shift) = (Options.Scale ?? 1, Options.Shift ?? 0);
        scaleNote = scale == 1 && shift == 0 ? ", metres as the model gives them" : string.Create(CultureInfo.InvariantCulture, $", scale {scale:G4} shift {shift:G4}");
        return raw * scale + shift;
    }

    Tensor InverseToDepth(Tensor inverse, Camera? camera)
    {
        double scale, shift;
        var known = Options.Known ?? [];
        if (known.Count >= 2)
        {
            (scale, shift) = FitInverse(inverse, known);
            scaleNote = $", fitted to {Count(known.Count)}";
        }
        else if (Options.Scale is not null || Options.Shift is not null)
        {
            (scale, shift) = (Options.Scale ?? 1, Options.Shift ?? 0);
            scaleNote = string.Create(CultureInfo.InvariantCulture, $", scale {scale:G4} shift {shift:G4}");
        }
        else
        {
            var median = DepthPrior.MedianDepth(camera);
            (scale, shift) = DepthPrior.Fit(inverse, median);
            if (known.Count == 1)
            {
                // One known depth fixes the prior's overall scale: depth times k / prior depth there.
                var k = known[0];
                CheckKnown(k, (int)inverse.shape[0], (int)inverse.shape[1]);
                var prior = 1 / (scale * inverse[k.Y, k.X].item<float>() + shift);
                (scale, shift) = (scale * prior / k.Depth, shift * prior / k.Depth);
                scaleNote = ", the focal-length prior's shape rescaled to 1 known depth (give 2 or more to fit scale and shift)";
            }
            else scaleNote = string.Create(CultureInfo.InvariantCulture,
                $", scale is a guess: focal-length prior, median {median:0.00} m; give --onnx-known x,y,metres;... for real metres");
        }
        var disparity = inverse * scale + shift;
        var bad = disparity.le(0).sum().item<long>();
        if (bad > 0) throw new UserError($"'{ModelPath}': scale {scale:G4} and shift {shift:G4} give {bad} pixels of non-positive inverse depth; check them");
        return 1 / disparity;
    }

    static string Count(int n) => n == 1 ? "1 known depth" : $"{n} known depths";

    static void CheckKnown(KnownDepth k, int h, int w)
    {
        if (k.X < 0 || k.X >= w || k.Y < 0 || k.Y >= h) throw new UserError($"known depth at ({k.X}, {k.Y}) is outside the {w}x{h} image");
        if (!(k.Depth > 0) || double.IsInfinity(k.Depth)) throw new UserError($"known depth at ({k.X}, {k.Y}) must be positive, got {k.Depth}");
    }

    /// <summary>Least squares for (s, t) in 1/d = s r + t over the known pixels (closed form, 2x2 normal equations).</summary>
    public static (double Scale, double Shift) FitInverse(Tensor inverse, IReadOnlyList<KnownDepth> known)
    {
        int h = (int)inverse.shape[0], w = (int)inverse.shape[1];
        var r = inverse.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double sr = 0, srr = 0, sy = 0, sry = 0;
        foreach (var k in known)
        {
            CheckKnown(k, h, w);
            double ri = r[k.Y * w + k.X], y = 1 / k.Depth;
            sr += ri; srr += ri * ri; sy += y; sry += ri * y;
        }
        var n = known.Count;
        var det = n * srr - sr * sr;
        if (Math.Abs(det) < 1e-12) throw new UserError("known depths: the model output is the same at every known pixel; give points at different depths");
        var scale = (n * sry - sr * sy) / det;
        return (scale, (sy - scale * sr) / n);
    }

    /// <summary>Least squares for s in d = s o over the known pixels (a metric model's output o that is off by a factor).</summary>
    public static double FitScale(Tensor metric, IReadOnlyList<KnownDepth> known)
    {
        int h = (int)metric.shape[0], w = (int)metric.shape[1];
        var o = metric.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double soo = 0, sod = 0;
        foreach (var k in known)
        {
            CheckKnown(k, h, w);
            var oi = o[k.Y * w + k.X];
            soo += oi * oi;
            sod += oi * k.Depth;
        }
        if (!(soo > 0)) throw new UserError("known depths: the model output is 0 at every known pixel; give other points");
        return sod / soo;
    }

    public void Dispose() => session.Dispose();
}
