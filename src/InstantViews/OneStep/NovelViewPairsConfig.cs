using InstantViews.Scenes;

namespace InstantViews.OneStep;

/// <summary>
/// Which scene pairs a one-step GenWarp learns from and how their noise was found: the pair stream (split, seed,
/// resolution, covisibility), the source depth ("gt" or a depth source such as "builtin"), and the teacher's
/// inversion (guidance scale of the inverted field, Heun grid points, sigma_max). Pair i of the stream is a pure
/// function of these settings and i, so a pair record stores its index, never a copy of its images.
/// </summary>
public sealed record NovelViewPairsConfig
{
    public int Resolution { get; init; } = 32;
    public int Spp { get; init; } = 2;
    public SceneSplit Split { get; init; } = SceneSplit.Train;
    public long Seed { get; init; }
    public double MinCovisibility { get; init; } = 0.2;
    public double MaxCovisibility { get; init; } = 0.95;
    public string Depth { get; init; } = "builtin";
    /// <summary>The guidance scale of the inverted probability-flow field (1 = the conditional denoiser alone).</summary>
    public double Guidance { get; init; } = 1;
    public int Steps { get; init; } = 18;
    public double SigmaMax { get; init; } = 40;

    public SceneStreamConfig Stream(int? resolution = null) =>
        new(resolution ?? Resolution, resolution ?? Resolution, Spp, Split, Seed, MinCovisibility: MinCovisibility, MaxCovisibility: MaxCovisibility);
}
