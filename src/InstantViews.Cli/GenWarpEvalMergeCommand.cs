using System.CommandLine;
using InstantViews.NovelViews.Evaluation;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp eval-merge`: the shards of a sharded evaluation joined.</summary>
public static class GenWarpEvalMergeCommand
{
    public static Command Build()
    {
        var outDir = new Option<string>("--out") { Description = "The --out folder the shards of genwarp eval --shard wrote into", Required = true };
        var cmd = new Command("eval-merge", "Merge the shards of a sharded genwarp eval (--shard i/n) into its table and results.csv, as one process would have written them") { outDir };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var dir = p.GetValue(outDir)!;
            var result = NovelViewComparison.Merge(dir);
            foreach (var note in result.Notes.Where(n => !n.StartsWith("shard ", StringComparison.Ordinal))) Console.WriteLine($"note: {note}");
            GenWarpEvalCommand.PrintRows(result.Rows);
            Console.WriteLine($"wrote {Path.Combine(dir, "results.csv")}");
            return 0;
        });
        return cmd;
    }
}
