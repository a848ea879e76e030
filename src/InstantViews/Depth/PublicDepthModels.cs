using InstantViews.Runtime;

namespace InstantViews.Depth;

/// <summary>
/// The public depth exports `models get` knows (docs/depth.md, "ONNX models"). A hash is pinned only where it is
/// known; an entry without one refuses to download until the user gives the file's SHA-256.
/// </summary>
public static class PublicDepthModels
{
    public static IReadOnlyList<PublicDepthModel> All { get; } =
    [
        new("depth-anything-v2-small", "depth-anything-v2-small.onnx",
            "https://huggingface.co/onnx-community/depth-anything-v2-small/resolve/main/onnx/model.onnx", null,
            "Apache-2.0", OnnxDepthPreset.DepthAnythingV2, "Depth Anything V2 Small, ONNX export by onnx-community on Hugging Face"),
        new("depth-anything-v2-base", "depth-anything-v2-base.onnx",
            "https://huggingface.co/onnx-community/depth-anything-v2-base/resolve/main/onnx/model.onnx", null,
            "CC-BY-NC-4.0 (non-commercial use only)", OnnxDepthPreset.DepthAnythingV2, "Depth Anything V2 Base, ONNX export by onnx-community on Hugging Face"),
        // The hash other public projects pin for this release file; not recomputed here (a mismatch names both hashes).
        new("midas-v2.1-small", "midas-v2.1-small.onnx",
            "https://github.com/isl-org/MiDaS/releases/download/v2_1/model-small.onnx", "2d8c6cb8f415229daf1eb041024208e2608c9f98e17c81cc7c6ecb449c56fd58",
            "MIT", OnnxDepthPreset.MidasSmall, "MiDaS v2.1 small, ONNX from the isl-org/MiDaS v2_1 release"),
    ];

    public static PublicDepthModel? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    public static PublicDepthModel Named(string name) =>
        Find(name) ?? throw new UserError($"'{name}': not a known model; known: {string.Join(", ", All.Select(m => m.Name))}");
}
