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

    [Fact]
    public void Mutation_scores_count_timeouts_as_killed_leave_out_compile_errors_and_replace_only_their_group()
    {
        using var dir = new TempDir();
        string Report(string folder, string file, params string[] statuses)
        {
            var path = dir.File($"StrykerOutput/{folder}/reports/mutation-report.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var mutants = string.Join(",", statuses.Select((s, i) => $"{{\"id\":\"{i}\",\"status\":\"{s}\"}}"));
            File.WriteAllText(path, $"{{\"files\":{{\"/x/src/InstantViews/{file}\":{{\"mutants\":[{mutants}]}},\"/x/src/InstantViews/Other.cs\":{{\"mutants\":[]}}}}}}");
            return path;
        }
        var data = dir.File("docs/mutation.json");
        MutationScores.Run(data, [$"2={Report("2026-12-06.10-00-00", "Geometry/A.cs", "Killed", "Killed", "Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "Ignored")}"]);
        MutationScores.Run(data, [$"5={Report("2026-12-07.09-00-00", "Metrics/B.cs", "Killed", "Survived")}"]);
        var table = ResultTables.Render("mutation", data);
        // (3 killed + 1 timed out) / (4 + 1 survived + 1 not covered) = 66.7 %; the unmutated file is left out.
        Assert.Contains("| 2 | `Geometry/A.cs` | 2026-12-06 | 5 | 4 (1) | 1 | 1 | 66.7 % |", table);
        Assert.Contains("| 5 | `Metrics/B.cs` | 2026-12-07 | 2 | 1 (0) | 1 | 0 | 50.0 % |", table);
        Assert.DoesNotContain("Other.cs", table);
        // A new run of group 2 replaces its rows and keeps group 5's.
        MutationScores.Run(data, [$"2={Report("2026-12-08.08-00-00", "Geometry/A.cs", "Killed")}"]);
        table = ResultTables.Render("mutation", data);
        Assert.Contains("| 2 | `Geometry/A.cs` | 2026-12-08 | 1 | 1 (0) | 0 | 0 | 100.0 % |", table);
        Assert.DoesNotContain("2026-12-06", table);
        Assert.Contains("`Metrics/B.cs`", table);
    }

    [Fact]
    public void A_quoted_csv_field_keeps_its_commas()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("u.csv"), "method,nfe,n,psnr,fd,kid,kid_std,ms_per_image\noriginals,0,8,100,10.0,1.0,0.5,0\n\"ours, one step\",1,8,20.5,12.0,2.0,0.5,3.2\nbicubic,0,8,21.0,30.0,9.0,1.0,0\n");
        var table = ResultTables.Render("pagoda-upscale", dir.File("u.csv"));
        Assert.Contains("| ours, one step | 1 | 20.50 | **12.0** | **2.0 ± 0.5** | 3 |", table);
        Assert.Contains("| bicubic | 0 | **21.00** | 30.0 | 9.0 ± 1.0 | — |", table);
        Assert.Contains("| originals (the floor) | — | — | 10.0 | 1.0 ± 0.5 | — |", table);
    }
}
