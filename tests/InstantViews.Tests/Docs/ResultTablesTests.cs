using System.Text.RegularExpressions;
using InstantViews.Bench;

namespace InstantViews.Tests.Docs;

/// <summary>The tables in README, docs and model cards that are marked with their data file equal what the file gives.</summary>
public class ResultTablesTests
{
    static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public void Every_marked_table_in_the_docs_is_what_its_data_file_gives()
    {
        var marked = ResultTables.Documents(Root).Sum(f => Regex.Matches(File.ReadAllText(f), "<!-- table ").Count);
        Assert.True(marked > 0, "no marked tables found: the check would pass on nothing");
        var drifted = ResultTables.Drifted(Root);
        Assert.True(drifted.Count == 0, $"tables differ from their data files (run `dotnet run --project bench/InstantViews.Bench -- tables` in the repository): {string.Join(", ", drifted)}");
    }

    [Fact]
    public void A_changed_data_file_changes_its_table_and_nothing_else()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("docs"));
        const string header = "pair,depth,fill,nfe,psnr,ssim,perceptual,psnr_covisible,ssim_covisible,perceptual_covisible,psnr_occluded,ssim_occluded,perceptual_occluded,seconds,depth_absrel,depth_delta125,depth_correlation,covisible_fraction";
        File.WriteAllText(dir.File("docs/r.csv"), header + "\np,builtin,harmonic,0,13.5512,0.3631,2.9391,13.5623,0.373,2.653,13.4901,0.306,0.96,2.93,0.25,0.418,0.267,0.845\n");
        var doc = "intro\n<!-- table stereo docs/r.csv -->\nold\n<!-- /table -->\nafter\n";
        var updated = ResultTables.Update(doc, dir.Path);
        Assert.StartsWith("intro\n<!-- table stereo docs/r.csv -->\n| depth | fill |", updated);
        Assert.Contains("| builtin | harmonic | 0 | 13.55 | 0.363 | 2.939 | 13.56 | 0.373 | 13.49 | 0.306 | 0.960 | 2.93 |", updated);
        Assert.EndsWith("<!-- /table -->\nafter\n", updated);
        Assert.Equal(updated, ResultTables.Update(updated, dir.Path));
        File.WriteAllText(dir.File("docs/r.csv"), header + "\np,builtin,harmonic,0,14.0,0.3631,2.9391,13.5623,0.373,2.653,13.4901,0.306,0.96,2.93,0.25,0.418,0.267,0.845\n");
        Assert.NotEqual(updated, ResultTables.Update(updated, dir.Path));
        var depth = ResultTables.Render("stereo-depth", dir.File("docs/r.csv"));
        Assert.Contains("| builtin | 0.250 | 0.418 | 0.267 |", depth);
    }
}
