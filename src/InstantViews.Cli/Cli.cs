using System.CommandLine;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>The root command, global options, and the wrapper every verb runs through (exit codes, errors).</summary>
public static class Cli
{
    public static readonly Option<string> DeviceOption = new("--device")
    {
        Description = "Compute device: cpu or cuda[:index]",
        DefaultValueFactory = _ => "cpu",
        Recursive = true,
    };

    public static readonly Option<int> ThreadsOption = new("--threads")
    {
        Description = "Intra-op threads (0 = all cores)",
        DefaultValueFactory = _ => 0,
        Recursive = true,
    };

    public static readonly Option<long?> SeedOption = new("--seed")
    {
        Description = "Random seed (commands that draw randomness default to 0)",
        Recursive = true,
    };

    public static readonly Option<bool> QuietOption = new("--quiet", "-q")
    {
        Description = "Print only results and errors, no progress",
        Recursive = true,
    };

    public static readonly Option<string?> ModelsOption = new("--models")
    {
        Description = "Folder of shipped models (default: INSTANTVIEWS_MODELS, the program's models/, or models/ above the working folder)",
        Recursive = true,
    };

    public static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "On an error, also print the full exception (stack trace)",
        Recursive = true,
    };

    /// <summary>The program's name in help and errors, whatever the executable or assembly is called.</summary>
    public const string ProgramName = "instantviews";

    public static Command BuildRoot()
    {
        // A plain command named "instantviews" (a RootCommand would take the assembly's name, InstantViews.Cli).
        var root = new Command(ProgramName, "InstantViews: GenWarp novel views and PaGoDA one-step generation, in C# on TorchSharp.")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        root.Options.Add(DeviceOption);
        root.Options.Add(ThreadsOption);
        root.Options.Add(SeedOption);
        root.Options.Add(QuietOption);
        root.Options.Add(VerboseOption);
        root.Options.Add(ModelsOption);
        root.Subcommands.Add(InfoCommand.Build());
        root.Subcommands.Add(CheckpointCommand.Build());
        root.Subcommands.Add(DiffusionCommand.Build());
        root.Subcommands.Add(PagodaCommand.Build());
        root.Subcommands.Add(ScenesCommand.Build());
        root.Subcommands.Add(EvalCommand.Build());
        root.Subcommands.Add(DepthCommand.Build());
        root.Subcommands.Add(WarpCommand.Build());
        root.Subcommands.Add(GenWarpCommand.Build());
        root.Subcommands.Add(NvsCommand.Build());
        root.Subcommands.Add(OrbitCommand.Build());
        root.Subcommands.Add(ViewCommand.Build());
        root.Subcommands.Add(ModelsCommand.Build());
        root.Subcommands.Add(LiftCommand.Build());
        root.Subcommands.Add(RenderCommand.Build());
        OptionRules.Apply(root);
        return root;
    }

    public static int Run(string[] args)
    {
        // Ctrl-C stops every verb, even one started in the background with SIGINT ignored (StopSignals).
        StopSignals.RestoreInterrupt();
        var root = BuildRoot();
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            // The first problem, in one line (the parser may report one option at several command levels).
            var first = result.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? result.Errors[0];
            Console.Error.WriteLine($"error: {OneLine(first.Message)}");
            Console.Error.WriteLine("Run 'instantviews --help' for usage.");
            return 2;
        }
        return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    // The parser lists allowed values one per line ("Must be one of:\n\t'a'\n\t'b'"): join them into the one line.
    static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length <= 1 ? message.Trim() : lines[0] + " " + string.Join(", ", lines.Skip(1));
    }

    /// <summary>
    /// On --resume, names the options the command line gave that the run does not take: a resumed run keeps the
    /// settings in its train.json (only --steps, --minutes and the checkpoint interval apply to it).
    /// </summary>
    public static void NoteIgnoredOnResume(ParseResult parse, params Option[] options)
    {
        var given = options.Append(SeedOption).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0) Console.WriteLine($"note: a resumed run keeps the settings in its train.json; ignored: {string.Join(", ", given)}");
    }

    /// <summary>What every verb gets after the global options are applied.</summary>
    public sealed record Context(Device Device, int Threads, long Seed, bool Quiet);

    /// <summary>Applies global options, loads libtorch, runs the verb; user errors become one line and exit 1.</summary>
    public static void SetAction(Command command, Func<ParseResult, Context, int> action)
    {
        command.SetAction(parse =>
        {
            try
            {
                ModelFiles.Folder = parse.GetValue(ModelsOption);
                if (ModelFiles.Folder is { } models) ModelFiles.CheckFolder(models, "--models");
                var quiet = parse.GetValue(QuietOption);
                Progress.Quiet = quiet;
                TorchRuntime.EnsureLoaded();
                var threads = TorchRuntime.SetThreads(parse.GetValue(ThreadsOption));
                var device = TorchRuntime.ParseDevice(parse.GetValue(DeviceOption) ?? "cpu");
                var seed = parse.GetValue(SeedOption) ?? 0;
                random.manual_seed(seed);
                return action(parse, new Context(device, threads, seed, quiet));
            }
            catch (Exception e)
            {
                // The one error path: every failure is one line and exit code 1; --verbose adds the stack trace.
                Console.Error.WriteLine($"error: {ErrorMessages.Describe(e)}");
                if (parse.GetValue(VerboseOption) && e is not UserError) Console.Error.WriteLine(e);
                return 1;
            }
        });
    }
}
