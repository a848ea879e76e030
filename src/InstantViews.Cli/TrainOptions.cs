using System.CommandLine;
using InstantViews.Runtime;
using InstantViews.Training;

namespace InstantViews.Cli;

/// <summary>
/// The options every training verb shares: how long to train (--minutes, --steps), --resume, and how often to
/// checkpoint (--checkpoint-minutes, --checkpoint-every).
/// </summary>
public sealed record TrainOptions(Option<double?> Minutes, Option<long?> Steps, Option<bool> Resume, Option<double?> CheckpointMinutes, Option<int?> CheckpointEvery)
{
    public static TrainOptions Create() => new(
        new Option<double?>("--minutes") { Description = "Stop after this much wall time" },
        new Option<long?>("--steps") { Description = "Stop at this total step count" },
        new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint, exactly" },
        new Option<double?>("--checkpoint-minutes") { Description = "Also save a checkpoint whenever this many minutes have passed since the last one" },
        new Option<int?>("--checkpoint-every") { Description = "Save a checkpoint every N steps (default: the run's own interval)" });

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Minutes, Steps, Resume, CheckpointMinutes, CheckpointEvery }) cmd.Options.Add(o);
    }

    /// <summary>Whether --resume was given; refuses a run with no end (neither --minutes nor --steps) first.</summary>
    public bool Resuming(ParseResult p)
    {
        if (p.GetValue(Minutes) is null && p.GetValue(Steps) is null) throw new UserError("give --minutes or --steps");
        return p.GetValue(Resume);
    }

    /// <summary>Trains until the step count, the wall time or Ctrl-C / SIGTERM (which stop at a checkpoint), then says where the model is.</summary>
    public void Train(TrainingRun run, ParseResult p)
    {
        using var cancel = StopSignals.Listen();
        run.CheckpointMinutes = p.GetValue(CheckpointMinutes);
        run.CheckpointEvery = p.GetValue(CheckpointEvery);
        run.Run(p.GetValue(Steps), p.GetValue(Minutes), cancel.Token);
        Console.WriteLine($"step {run.Step}, {run.Step * run.Schedule.BatchSize} {run.Schedule.Items} seen, {run.Elapsed / 60:0.0} min; model: {run.ModelPath}");
    }
}
