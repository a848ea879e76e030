using System.CommandLine;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>--shard i/n|auto and --shard-count N: which share of the work this process does (<see cref="Shard"/>).</summary>
public sealed record ShardOptions(Option<string> Spec, Option<int?> Count)
{
    public static ShardOptions Create() => new(
        new Option<string>("--shard") { Description = "This process's share i/n of the work, or auto (Slurm array or Kubernetes Indexed Job)", DefaultValueFactory = _ => "0/1" },
        new Option<int?>("--shard-count") { Description = "With --shard auto in a Kubernetes Indexed Job: the number of shards (the Job's completions)" });

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Spec);
        cmd.Options.Add(Count);
    }

    public Shard Read(ParseResult p) => Shard.Parse(p.GetValue(Spec)!, p.GetValue(Count));
}
