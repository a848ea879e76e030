using System.Text.Json.Nodes;

namespace InstantViews.Bench;

/// <summary>Where every benchmark's JSON results go: indented, with a final newline, its folder created.</summary>
static class BenchJson
{
    public static void Write(string path, JsonNode results)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        File.WriteAllText(path, results.ToJsonString(new() { WriteIndented = true }) + "\n");
    }
}
