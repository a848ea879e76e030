using static TorchSharp.torch;

namespace InstantViews.NovelViews;

/// <summary>One novel view: the one-shot warp of the source (for display), its holes, the generated view, the generator's
/// network evaluations, the camera steps, and the semantic-preserver passes it took (not in Nfe; 0 when cached or absent).</summary>
public sealed record NovelViewResult(Tensor Warped, Tensor HoleMask, Tensor Generated, int Nfe, int Steps, int PreserverPasses = 0);
