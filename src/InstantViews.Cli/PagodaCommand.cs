using System.CommandLine;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda pairs|merge|train|sample|upscale`: the PaGoDA workflow, one command per stage (each verb in its own file).</summary>
public static class PagodaCommand
{
    public static Command Build()
    {
        var cmd = new Command("pagoda", "One-step generation: distil a low-resolution diffusion teacher and grow it to higher resolution");
        cmd.Subcommands.Add(PagodaPairsCommand.Build());
        cmd.Subcommands.Add(PagodaMergeCommand.Build());
        cmd.Subcommands.Add(PagodaTrainCommand.Build());
        cmd.Subcommands.Add(PagodaSampleCommand.Build());
        cmd.Subcommands.Add(PagodaUpscaleCommand.Build());
        return cmd;
    }
}
