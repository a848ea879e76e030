using InstantViews.GenWarp;
using InstantViews.NovelViews.Evaluation;
using InstantViews.Scenes;

namespace InstantViews.Tests.NovelViews.Evaluation;

public class CovisibilityRangeTests
{
    [Theory]
    [InlineData(0.8, "mid")]
    [InlineData(0.65, "mid")]
    [InlineData(0.5, "mid")]
    [InlineData(0.4999, "long")]
    [InlineData(0.2, "long")]
    [InlineData(0.1999, null)]
    [InlineData(0.8001, null)]
    public void Ranges_are_the_mid_and_long_splits(double covisibility, string? expected) =>
        Assert.Equal(expected, CovisibilityRange.Of(covisibility)?.Name);

    [Fact]
    public void Split_sorts_pairs_into_ranges_and_caps_them()
    {
        var pairs = new[] { 0.9, 0.7, 0.3, 0.55, 0.1, 0.45, 0.6 }.Select(c => new ViewPair(null!, null!, c)).ToList();
        var split = CovisibilityRange.Split(pairs, perRange: 2);
        Assert.Equal(new[] { 0.7, 0.55 }, split["mid"].Select(p => p.Covisibility));
        Assert.Equal(new[] { 0.3, 0.45 }, split["long"].Select(p => p.Covisibility));
    }

    [Fact]
    public void Evaluation_pairs_land_in_their_ranges()
    {
        TestTorch.Init();
        using var data = new ScenePairs(new SceneStreamConfig(16, 16, 1, SceneSplit.Eval, 0, MinCovisibility: 0.2, MaxCovisibility: 0.8));
        var split = NovelViewEvaluation.SelectPairs(data, perRange: 2, maxRenders: 16);
        foreach (var range in CovisibilityRange.All)
            Assert.All(split[range.Name], p => Assert.True(range.Contains(p.Covisibility), $"{p.Covisibility} in {range.Name}"));
        Assert.True(split.Values.Sum(l => l.Count) > 0);
    }
}
