namespace InstantViews.Depth;

/// <summary>
/// A public ONNX depth model `models get` can download: where from, the SHA-256 the file must have (null: not pinned,
/// the user must give one), its licence, and the preset it runs with.
/// </summary>
public sealed record PublicDepthModel(string Name, string FileName, string Url, string? Sha256, string Licence, OnnxDepthPreset Preset, string Source);
