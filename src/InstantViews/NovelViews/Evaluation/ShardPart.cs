namespace InstantViews.NovelViews.Evaluation;

/// <summary>What one shard of a comparison scored for one method, range and depth source: its batches by index.</summary>
public sealed record ShardPart(string Depth, string Range, int Pairs, string Method, int Nfe, long Parameters, List<(int Index, BatchScores Scores)> Batches);
