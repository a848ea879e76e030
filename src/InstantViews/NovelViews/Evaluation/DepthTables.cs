namespace InstantViews.NovelViews.Evaluation;

/// <summary>The source-depth tables of a comparison.</summary>
public enum DepthTables { Both, Estimated, GroundTruth }
