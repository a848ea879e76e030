using System.CommandLine;
using InstantViews.Pagoda;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda merge`: shard folders of pairs merged into one file.</summary>
public static class PagodaMergeCommand
{
    public static Command Build()
    {
        var inputs = new Option<string[]>("--in") { Description = "Pairs folders (shards) to merge", Required = true, AllowMultipleArgumentsPerToken = true };
        var outFile = new Option<string>("--out") { Description = "Merged pairs file (.safetensors)", Required = true };
        var cmd = new Command("merge", "Merge shard folders of pairs into one file") { inputs, outFile };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.File(p.GetValue(outFile)!, ".safetensors");
            var set = PairSet.Merge(p.GetValue(inputs)!, p.GetValue(outFile)!);
            Console.WriteLine($"{set.Count} pairs ({set.Resolution}px images, {set.BaseResolution}px noise) -> {p.GetValue(outFile)}");
            return 0;
        });
        return cmd;
    }
}
