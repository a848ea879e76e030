using InstantViews.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.OneStep;

/// <summary>What a grown one-step GenWarp needs per batch: the base-resolution condition, one guide per level, the full-size targets.</summary>
public sealed record GrownBatch(NovelViewBatch Base, IReadOnlyList<Tensor> Guides, Tensor Target);
