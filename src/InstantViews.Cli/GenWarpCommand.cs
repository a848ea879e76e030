using System.CommandLine;
using InstantViews.Depth;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp train|pairs|distil|eval|eval-merge`: the verb group (each verb in its own file).</summary>
public static class GenWarpCommand
{
    public static Command Build()
    {
        var cmd = new Command("genwarp", "Train and evaluate GenWarp and the warp-and-inpaint baseline on procedural scene pairs");
        cmd.Subcommands.Add(GenWarpTrainCommand.Build());
        cmd.Subcommands.Add(GenWarpEvalCommand.Build());
        cmd.Subcommands.Add(GenWarpEvalMergeCommand.Build());
        cmd.Subcommands.Add(GenWarpPairsCommand.Build());
        cmd.Subcommands.Add(GenWarpDistilCommand.Build());
        return cmd;
    }

    /// <summary>The depth a pairs verb reads: the scenes' own ("gt") or an estimator's.</summary>
    internal static IDepthEstimator? PairDepth(string spec, Device device) => spec == "gt" ? null : DepthSource.Open(spec, device);
}
