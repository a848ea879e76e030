using System.Globalization;
using System.Text.Json.Nodes;
using InstantViews.Runtime;

namespace InstantViews.Bench;

/// <summary>
/// Mutation scores from Stryker.NET's JSON reports (`StrykerOutput/DATE/reports/mutation-report.json`), one group per
/// report, merged into one data file (a group's earlier rows are replaced; the other groups' stay, each with its date).
/// Score = (killed + timed out) / (killed + timed out + survived + not covered), as Stryker counts it.
/// </summary>
public static class MutationScores
{
    public static void Run(string jsonPath, IReadOnlyList<string> groupReports)
    {
        var rows = File.Exists(jsonPath) ? JsonNode.Parse(File.ReadAllText(jsonPath))!["rows"]!.AsArray().Select(r => r!.DeepClone()).ToList() : [];
        foreach (var arg in groupReports)
        {
            var eq = arg.IndexOf('=');
            if (eq < 1 || !int.TryParse(arg[..eq], out var group)) throw new UserError($"'{arg}': expected GROUP=REPORT (e.g. 6=StrykerOutput/2026-12-06.19-03-22/reports/mutation-report.json)");
            var report = arg[(eq + 1)..];
            if (!File.Exists(report)) throw new UserError($"'{report}': no such Stryker report");
            // The run's date is the name of its output folder (DATE.TIME), two levels above the report.
            var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(report))))!;
            var date = folder.Length >= 10 ? folder[..10] : File.GetLastWriteTimeUtc(report).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            rows.RemoveAll(r => r!["group"]!.GetValue<int>() == group);
            var files = JsonNode.Parse(File.ReadAllText(report))!["files"]!.AsObject();
            foreach (var (path, file) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var statuses = file!["mutants"]!.AsArray().Select(m => m!["status"]!.GetValue<string>()).ToList();
                if (statuses.Count == 0) continue; // a file of the project that the group does not mutate
                int Count(string status) => statuses.Count(s => s == status);
                int killed = Count("Killed"), timeout = Count("Timeout"), survived = Count("Survived"), uncovered = Count("NoCoverage");
                var counted = killed + timeout + survived + uncovered;
                var name = path.Replace('\\', '/');
                var at = name.IndexOf("src/InstantViews/", StringComparison.Ordinal);
                rows.Add(new JsonObject
                {
                    ["group"] = group,
                    ["file"] = at >= 0 ? name[(at + "src/InstantViews/".Length)..] : name,
                    ["date"] = date,
                    ["killed"] = killed,
                    ["timeout"] = timeout,
                    ["survived"] = survived,
                    ["no_coverage"] = uncovered,
                    ["score"] = counted == 0 ? null : Math.Round(100.0 * (killed + timeout) / counted, 1),
                });
                Console.WriteLine($"group {group} {name}: {killed} killed, {timeout} timed out, {survived} survived, {uncovered} not covered");
            }
        }
        var sorted = new JsonArray(rows.OrderBy(r => r!["group"]!.GetValue<int>()).ThenBy(r => r!["file"]!.GetValue<string>(), StringComparer.Ordinal).ToArray());
        BenchJson.Write(jsonPath, new JsonObject { ["benchmark"] = "mutation", ["tool"] = "dotnet-stryker 5.1.0", ["rows"] = sorted });
        Console.WriteLine($"wrote {jsonPath}");
    }
}
