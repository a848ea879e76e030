using InstantViews.GenWarp;
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

    /// <summary>Where the pairs come from: "scenes" (the procedural stream above) or "warpback" (real photographs, <see cref="WarpBackPairs"/>).</summary>
    public string Source { get; init; } = "scenes";

    /// <summary>With "warpback": the photos' identity (<see cref="PhotoCorpus.Hash"/> of the corpus's training split).</summary>
    public string Photos { get; init; } = "";

    /// <summary>With "warpback": how a pair is drawn from a photo.</summary>
    public WarpBackSettings? WarpBack { get; init; }

    /// <summary>
    /// The pairs these settings describe: procedural scenes rendered at <paramref name="resolution"/> with source depth
    /// from <paramref name="depth"/> (null: the truth), or, for "warpback", the training photos of the corpus in
    /// <paramref name="photos"/> (refused unless it is the corpus the pairs were made from) with depth from <paramref name="depth"/>.
    /// </summary>
    public INovelViewPairSource OpenSource(int resolution, Depth.IDepthEstimator? depth, string? photos)
    {
        if (Source == "scenes") return new ScenePairs(Stream(resolution), depth);
        if (Source != "warpback") throw new Runtime.UserError($"pairs from an unknown source '{Source}' (scenes or warpback)");
        if (photos is null) throw new Runtime.UserError("these pairs are of real photographs (warp-back pairs): they need the photo corpus they were made from");
        if (depth is null) throw new Runtime.UserError("pairs of real photographs need a depth estimator (they have no true depth)");
        var settings = WarpBack ?? throw new Runtime.UserError("warp-back pairs without their settings");
        var corpus = PhotoCorpus.Load(photos, maxSide: settings.PhotoSide, split: PhotoSplit.Training);
        if (corpus.Hash != Photos)
            throw new Runtime.UserError($"'{photos}': its training photos (content {corpus.Hash[..16]}) are not those the pairs were made from ({(Photos.Length > 16 ? Photos[..16] : Photos)})");
        return WarpBackPairs.FromCorpus(corpus, depth, settings, Seed);
    }

    public SceneStreamConfig Stream(int? resolution = null) =>
        new(resolution ?? Resolution, resolution ?? Resolution, Spp, Split, Seed, MinCovisibility: MinCovisibility, MaxCovisibility: MaxCovisibility);
}
