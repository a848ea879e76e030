using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;

namespace InstantViews.Depth;

/// <summary>An external depth model (Depth Anything, MiDaS, ZoeDepth exported to ONNX) run by ONNX Runtime.</summary>
public sealed class OnnxDepth : IDepthEstimator, IDisposable
{
    readonly InferenceSession session;
    readonly string inputName;
    readonly int[] inputDims;
    public OnnxDepthOptions Options { get; }
    public string ModelPath { get; }
    public string Description => $"onnx '{System.IO.Path.GetFileName(ModelPath)}' ({Options.Output}{(Options.Known is { Count: >= 2 } ? ", fitted to known depths" : "")})";

    public OnnxDepth(string modelPath, OnnxDepthOptions? options = null)
    {
        Options = options ?? new OnnxDepthOptions();
        ModelPath = modelPath;
        if (!File.Exists(modelPath)) throw new UserError($"'{modelPath}': ONNX model not found");
        if (Options.Mean.Length != 3 || Options.Std.Length != 3 || Options.Std.Any(s => s <= 0))
            throw new UserError("ONNX depth: mean and std need 3 values each, std positive");
        try { session = new InferenceSession(modelPath); }
        catch (OnnxRuntimeException e) { throw new UserError($"'{modelPath}': ONNX Runtime cannot load it ({e.Message.Split('\n')[0]})"); }
        var input = session.InputMetadata.First();
        inputName = input.Key;
        inputDims = input.Value.Dimensions;
        if (inputDims.Length != 4 || (inputDims[1] > 0 && inputDims[1] != 3))
            throw new UserError($"'{modelPath}': expected an image input [N, 3, H, W], got [{string.Join(", ", inputDims)}]");
    }

    /// <summary>The model's input size where it is fixed (by the model or the options); null where it takes the photo's own size.</summary>
    public int? NativeLongSide => Options.InputWidth > 0 ? Math.Max(Options.InputWidth, Options.InputHeight)
        : inputDims[2] > 0 && inputDims[3] > 0 ? Math.Max(inputDims[2], inputDims[3]) : null;

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        using var scope = NewDisposeScope();
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        int ih = Options.InputHeight > 0 ? Options.InputHeight : inputDims[2] > 0 ? inputDims[2] : h;
        int iw = Options.InputWidth > 0 ? Options.InputWidth : inputDims[3] > 0 ? inputDims[3] : w;
        var x = Resize.To(rgb.to_type(ScalarType.Float32).cpu(), ih, iw, ResizeFilter.Bilinear);
        var mean = tensor(Options.Mean.Select(v => (float)v).ToArray()).view(3, 1, 1);
        var std = tensor(Options.Std.Select(v => (float)v).ToArray()).view(3, 1, 1);
        x = ((x + 1) / 2 - mean) / std;
        var data = x.contiguous().data<float>().ToArray();
        var inputTensor = new DenseTensor(data, [1, 3, ih, iw]);
        float[] outData;
        int[] outDims;
        using (var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, inputTensor)]))
        {
            var output = results.First().AsTensor<float>();
            outDims = output.Dimensions.ToArray();
            outData = output.ToArray();
        }
        var spatial = outDims.SkipWhile(d => d == 1).ToArray();
        if (spatial.Length != 2) throw new UserError($"'{ModelPath}': expected a depth output [1, 1, H, W], [1, H, W] or [H, W], got [{string.Join(", ", outDims)}]");
        var raw = tensor(outData, [1, 1, spatial[0], spatial[1]]);
        raw = Resize.To(raw, h, w, ResizeFilter.Bilinear)[0, 0];
        var depth = Options.Output == DepthOutputKind.MetricDepth ? raw * Options.Scale + Options.Shift : InverseToDepth(raw);
        DepthValidation.Require(depth, h, w, $"'{ModelPath}' output");
        return depth.MoveToOuterDisposeScope();
    }

    Tensor InverseToDepth(Tensor inverse)
    {
        var (scale, shift) = (Options.Scale, Options.Shift);
        if (Options.Known is { Count: >= 2 } known) (scale, shift) = FitInverse(inverse, known);
        var disparity = inverse * scale + shift;
        var bad = disparity.le(0).sum().item<long>();
        if (bad > 0) throw new UserError($"'{ModelPath}': scale {scale:G4} and shift {shift:G4} give {bad} pixels of non-positive inverse depth; check them");
        return 1 / disparity;
    }

    /// <summary>Least squares for (s, t) in 1/d = s r + t over the known pixels (closed form, 2x2 normal equations).</summary>
    public static (double Scale, double Shift) FitInverse(Tensor inverse, IReadOnlyList<KnownDepth> known)
    {
        int h = (int)inverse.shape[0], w = (int)inverse.shape[1];
        var r = inverse.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double sr = 0, srr = 0, sy = 0, sry = 0;
        foreach (var k in known)
        {
            if (k.X < 0 || k.X >= w || k.Y < 0 || k.Y >= h) throw new UserError($"known depth at ({k.X}, {k.Y}) is outside the {w}x{h} image");
            if (!(k.Depth > 0) || double.IsInfinity(k.Depth)) throw new UserError($"known depth at ({k.X}, {k.Y}) must be positive, got {k.Depth}");
            double ri = r[k.Y * w + k.X], y = 1 / k.Depth;
            sr += ri; srr += ri * ri; sy += y; sry += ri * y;
        }
        var n = known.Count;
        var det = n * srr - sr * sr;
        if (Math.Abs(det) < 1e-12) throw new UserError("known depths: the model output is the same at every known pixel; give points at different depths");
        var scale = (n * sry - sr * sy) / det;
        return (scale, (sy - scale * sr) / n);
    }

    public void Dispose() => session.Dispose();
}
