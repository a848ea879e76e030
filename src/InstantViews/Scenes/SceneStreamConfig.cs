namespace InstantViews.Scenes;

/// <summary>
/// Which scene seeds a stream draws from, disjoint ranges: training seeds are hashed below 1,000,000; evaluation (test)
/// seeds, which published tables use, count up from 1,000,000; validation seeds, for tuning and ablations, from
/// 2,000,000; preview seeds, for the sample grids trainers draw, from 3,000,000.
/// </summary>
public enum SceneSplit { Train, Eval, Validation, Preview }

/// <summary>
/// Settings of a <see cref="SceneStream"/>. <see cref="ViewsPerScene"/> single views share one scene;
/// pairs have covisibility in [<see cref="MinCovisibility"/>, <see cref="MaxCovisibility"/>].
/// <see cref="Prefetch"/> is how many items render ahead (0 = four per core).
/// </summary>
public sealed record SceneStreamConfig(
    int Width = 64,
    int Height = 64,
    int Spp = 4,
    SceneSplit Split = SceneSplit.Train,
    long Seed = 0,
    int ViewsPerScene = 4,
    double MinCovisibility = 0.2,
    double MaxCovisibility = 0.8,
    int Prefetch = 0,
    SceneConfig? Scene = null);
