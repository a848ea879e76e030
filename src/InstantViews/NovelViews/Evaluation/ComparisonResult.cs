namespace InstantViews.NovelViews.Evaluation;

/// <summary>The rows of a comparison, the notes it made (missing tables, short ranges) and its wall time.</summary>
public sealed record ComparisonResult(IReadOnlyList<EvalRow> Rows, IReadOnlyList<string> Notes, double Minutes);
