using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Turns the CLI's depth spec into an estimator: "builtin", "builtin:model.safetensors", "onnx:model.onnx", or a depth
/// file. A network's map is brought to the photo's size by <see cref="EdgeAwareDepth"/>; the prefix "raw:" (e.g.
/// "raw:builtin") keeps the plain bilinear upsampling.
/// </summary>
public static class DepthSource
{
    public const string RawPrefix = "raw:";

    public static IDepthEstimator Open(string spec, Device? device = null, OnnxDepthOptions? onnx = null)
    {
        if (spec.StartsWith(RawPrefix, StringComparison.Ordinal)) return OpenPlain(spec[RawPrefix.Length..], device, onnx);
        var plain = OpenPlain(spec, device, onnx);
        return plain.NativeLongSide is null ? plain : new EdgeAwareDepth(plain);
    }

    static IDepthEstimator OpenPlain(string spec, Device? device, OnnxDepthOptions? onnx)
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
        throw new UserError($"depth '{spec}': expected builtin, builtin:FILE.safetensors, onnx:FILE.onnx (each optionally prefixed raw: for bilinear upsampling), or a depth map (.png in mm, .npy in metres)");
    }
}
