using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>Turns the CLI's depth spec into an estimator: "builtin", "builtin:model.safetensors", "onnx:model.onnx", or a depth file.</summary>
public static class DepthSource
{
    public static IDepthEstimator Open(string spec, Device? device = null, OnnxDepthOptions? onnx = null)
    {
        if (spec == "builtin") return BuiltinDepth.LoadShipped(device);
        if (spec.StartsWith("builtin:", StringComparison.Ordinal)) return BuiltinDepth.Load(spec["builtin:".Length..], device);
        if (spec.StartsWith("onnx:", StringComparison.Ordinal)) return new OnnxDepth(spec["onnx:".Length..], onnx);
        var ext = Path.GetExtension(spec).ToLowerInvariant();
        if (ext is ".png" or ".npy")
        {
            if (!File.Exists(spec)) throw new UserError($"'{spec}': depth file not found");
            return new FileDepth(spec);
        }
        throw new UserError($"depth '{spec}': expected builtin, builtin:FILE.safetensors, onnx:FILE.onnx, or a depth map (.png in mm, .npy in metres)");
    }
}
