using InstantViews.NovelViews.Evaluation;

namespace InstantViews.Tests.NovelViews.Evaluation;

/// <summary>
/// <see cref="NovelViewComparison"/> called directly on tiny models: every method is scored on each covisibility range
/// and depth table with its network evaluations, and a subset of the methods or one depth table scores the same pairs.
/// </summary>
public class NovelViewComparisonTests(ComparisonFixture fixture) : IClassFixture<ComparisonFixture>
{
    static IEnumerable<string> Csv(IEnumerable<EvalRow> rows) => rows.Select(r => r.ToCsv());

    [Fact]
    public void Every_method_is_scored_per_range_and_depth_table_with_its_network_evaluations()
    {
        var rows = fixture.Full.Rows;
        Assert.Equal(["genwarp", "genwarp+compose", "genwarp-1step", "genwarp-1step+compose", "warp-inpaint", "warp+harmonic", "warp-only"], rows.Select(r => r.Method).Distinct());
        Assert.Equal(["estimated", "gt"], rows.Select(r => r.Depth).Distinct());
        Assert.Equal(7 * 2 * 2, rows.Count);
        // Per view, the semantic preserver's pass included: one-step 1 + 1; guided Heun on 2 points 2 x 3 + 1; the
        // baseline 3 (no guidance, no preserver); the warp none.
        foreach (var (method, nfe) in new[] { ("genwarp-1step", 2), ("genwarp-1step+compose", 2), ("genwarp", 7), ("genwarp+compose", 7), ("warp-inpaint", 3), ("warp+harmonic", 0), ("warp-only", 0) })
            Assert.All(rows.Where(r => r.Method == method), r => Assert.Equal(nfe, r.Nfe));
        // Classical inpainting of the holes beats leaving them grey where the source does not see (procedural rooms: smooth walls).
        foreach (var h in rows.Where(r => r.Method == "warp+harmonic"))
        {
            var grey = rows.Single(r => r.Method == "warp-only" && r.Range == h.Range && r.Depth == h.Depth);
            Assert.True(h.PsnrOccluded > grey.PsnrOccluded + 1, $"{h.Range} {h.Depth}: harmonic {h.PsnrOccluded:0.00} dB, grey {grey.PsnrOccluded:0.00} dB where the source does not see");
        }
        Assert.Equal([EvalRow.CsvHeader, .. Csv(rows)], File.ReadAllLines(fixture.Dir.File("full/results.csv")));
        Assert.True(File.Exists(fixture.Dir.File("full/examples-genwarp-1step-mid-estimated.png")));
        Assert.True(File.Exists(fixture.Dir.File("full/examples-warp-only-long-gt.png")));
    }

    [Fact]
    public void A_subset_of_the_methods_scores_the_same_pairs_as_the_full_run()
    {
        var subset = NovelViewComparison.Run(fixture.Methods("genwarp-1step", "warp-only"), 16, fixture.Settings, fixture.Dir.File("subset")).Rows;
        Assert.Equal(8, subset.Count);
        Assert.Equal(Csv(fixture.Full.Rows.Where(r => r.Method is "genwarp-1step" or "warp-only")), Csv(subset));
    }

    [Theory]
    [InlineData(DepthTables.Estimated, "estimated")]
    [InlineData(DepthTables.GroundTruth, "gt")]
    public void One_depth_table_gives_the_rows_of_that_table_in_the_full_run(DepthTables table, string name)
    {
        var only = NovelViewComparison.Run(fixture.Methods("warp-only"), 16, fixture.Settings with { Depths = table }, fixture.Dir.File("only-" + name)).Rows;
        Assert.Equal(Csv(fixture.Full.Rows.Where(r => r.Method == "warp-only" && r.Depth == name)), Csv(only));
    }
}
