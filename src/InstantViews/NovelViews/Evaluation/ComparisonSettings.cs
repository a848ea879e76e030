namespace InstantViews.NovelViews.Evaluation;

/// <summary>Settings of a novel-view comparison: pairs per covisibility range, batch, render quality, seed, depth model.</summary>
public sealed record ComparisonSettings
{
    public int PairsPerRange { get; init; } = 64;
    public int Batch { get; init; } = 8;
    public int Spp { get; init; } = 2;
    public long Seed { get; init; }
    /// <summary>The scene seeds the pairs come from: the test split (Eval, from 1,000,000: published tables) or Validation (from 2,000,000: tuning and ablations).</summary>
    public Scenes.SceneSplit Split { get; init; } = Scenes.SceneSplit.Eval;
    /// <summary>The depth network of the estimated-depth table (null or missing: that table is skipped, unless it is the only one asked for).</summary>
    public string? DepthModel { get; init; }
    /// <summary>Which depth tables to score: both (the default), only the estimated-depth one, or only the ground-truth one.</summary>
    public DepthTables Depths { get; init; } = DepthTables.Both;
    /// <summary>
    /// What else the scores depend on that the comparison cannot see, by option name (the models' content hashes,
    /// the sampler and its steps, guidance and sigma_max): recorded in every shard file with the settings above, so
    /// that shards of other models or settings are not merged.
    /// </summary>
    public IReadOnlyDictionary<string, string> Recorded { get; init; } = new Dictionary<string, string>();
}
