using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Turns the CLI's depth spec into an estimator: "builtin", "builtin:model.safetensors", "onnx:model.onnx" (or
/// "onnx:NAME" of a model `models get` fetched), "auto" (the photo's embedded depth map, else builtin), "embedded"
/// (the photo's embedded map), a depth file (.png mm, .npy m) or a JPEG whose embedded map to use. A network's map is
/// brought to the photo's size by <see cref="EdgeAwareDepth"/>; the prefix "raw:" (e.g. "raw:builtin") keeps the
/// plain bilinear upsampling.
/// </summary>
public static class DepthSource
{
    public const string RawPrefix = "raw:";

    public const string Specs = "builtin, builtin:FILE.safetensors, onnx:FILE.onnx (each optionally prefixed raw: for bilinear upsampling), auto, embedded, or a depth map (.png in mm, .npy in metres, .jpg with an embedded depth map)";

    /// <param name="image">The photo the depth is for: "auto" and "embedded" read its embedded map (null: a verb without one photo).</param>
    public static IDepthEstimator Open(string spec, Device? device = null, OnnxDepthOptions? onnx = null, string? image = null)
    {
        if (spec.StartsWith(RawPrefix, StringComparison.Ordinal)) return OpenPlain(spec[RawPrefix.Length..], device, onnx, image);
        var plain = OpenPlain(spec, device, onnx, image);
        return plain.NativeLongSide is null ? plain : new EdgeAwareDepth(plain);
    }

    static IDepthEstimator OpenPlain(string spec, Device? device, OnnxDepthOptions? onnx, string? image)
    {
        if (spec == "builtin") return BuiltinDepth.LoadShipped(device);
        if (spec.StartsWith("builtin:", StringComparison.Ordinal)) return BuiltinDepth.Load(spec["builtin:".Length..], device);
        if (spec.StartsWith("onnx:", StringComparison.Ordinal)) return new OnnxDepth(OnnxModelPath(spec["onnx:".Length..]), onnx);
        if (spec == "auto")
        {
            if (image is not null && PhoneDepth.TryOpen(image) is { } phone) return phone;
            var shipped = BuiltinDepth.LoadShipped(device);
            return image is null ? shipped
                : new BuiltinDepth(shipped.Net, $"built-in '{BuiltinDepth.ShippedFile}', as '{Path.GetFileName(image)}' has no embedded depth map");
        }
        if (spec == "embedded")
            return PhoneDepth.Open(image ?? throw new UserError("depth 'embedded' reads the photo's own depth map; this command has no single photo (give a depth source)"));
        var ext = Path.GetExtension(spec).ToLowerInvariant();
        if (ext is ".png" or ".npy")
        {
            if (!File.Exists(spec)) throw new UserError($"'{spec}': depth file not found");
            return new FileDepth(spec);
        }
        if (ext is ".jpg" or ".jpeg") return PhoneDepth.Open(spec);
        throw new UserError($"depth '{spec}': expected {Specs}");
    }

    /// <summary>An ONNX file as given, else a known public model's name looked up where `models get` puts it.</summary>
    static string OnnxModelPath(string pathOrName)
    {
        if (File.Exists(pathOrName) || PublicDepthModels.Find(pathOrName) is not { } known) return pathOrName;
        return ModelFiles.Find(known.FileName)
            ?? throw new UserError($"'{pathOrName}': {known.FileName} not found in --models, INSTANTVIEWS_MODELS or a models/ folder; fetch it with: instantviews models get {known.Name}");
    }
}
