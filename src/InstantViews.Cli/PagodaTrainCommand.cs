using System.CommandLine;
using InstantViews.Nn;
using InstantViews.Pagoda;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews pagoda train`: the one-step generator's base stage, or growth by one level.</summary>
public static class PagodaTrainCommand
{
    public static Command Build()
    {
        var stage = new Option<string>("--stage") { Description = "base (stage 2) or grow (stage 3: add one x2 level)", Required = true };
        stage.AcceptOnlyFromAmong("base", "grow");
        var pairs = new Option<string>("--pairs") { Description = "Pairs folder or file", Required = true };
        var init = new Option<string?>("--init") { Description = "base: the teacher; grow: the generator to grow" };
        var outDir = new Option<string>("--out") { Description = "Run folder", Required = true };
        var training = TrainOptions.Create();
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Generator learning rate", DefaultValueFactory = _ => 1e-4 };
        var featureSize = new Option<int>("--feature-size") { Description = "Images are upsampled to at least this size for the ResNet-18 (loss and discriminator)", DefaultValueFactory = _ => 32 };
        var discAugment = new Option<bool>("--disc-augment") { Description = "The discriminator sees fakes and reals through one shared random augmentation (colour, translation, cutout) per step" };
        var distilWeight = new Option<double>("--distil-weight") { Description = "Weight of the distillation term: G(z) against the teacher's PF-ODE solution from the same fresh noise (0: off)", DefaultValueFactory = _ => 0 };
        var distilBatch = new Option<int>("--distil-batch") { Description = "Fresh noises per step solved by the teacher for the distillation term", DefaultValueFactory = _ => 8 };
        var distilSteps = new Option<int>("--distil-steps") { Description = "Grid points of the teacher's Heun solve (2N-1 evaluations per noise)", DefaultValueFactory = _ => 18 };
        var teacherOpt = new Option<string?>("--teacher") { Description = "Teacher for the distillation term (default with --stage base: --init)" };
        var cmd = new Command("train", "Train the one-step generator (base) or grow it by one level (grow)")
        { stage, pairs, init, outDir, batch, lr, featureSize, discAugment, distilWeight, distilBatch, distilSteps, teacherOpt };
        training.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var resuming = training.Resuming(p);
            if (!resuming && p.GetValue(distilWeight) > 0 && p.GetValue(stage) == "grow" && p.GetValue(teacherOpt) is null)
                throw new UserError("--distil-weight with --stage grow needs --teacher");
            var set = PairSet.Load(p.GetValue(pairs)!);
            var dir = p.GetValue(outDir)!;
            PagodaTrainer trainer;
            if (resuming)
            {
                trainer = PagodaTrainer.Resume(dir, set, ctx.Device);
                if (StageOf(trainer) != p.GetValue(stage))
                    throw new UserError($"'{dir}': the run is a {StageOf(trainer)} stage; --stage {p.GetValue(stage)} given");
                Cli.NoteIgnoredOnResume(p, init, batch, lr, featureSize, discAugment, distilWeight, distilBatch, distilSteps, teacherOpt);
            }
            else
            {
                var initPath = p.GetValue(init) ?? throw new UserError("--init is required for a new run");
                var isBase = p.GetValue(stage) == "base";
                var distils = p.GetValue(distilWeight) > 0;
                var teacherPath = p.GetValue(teacherOpt) ?? (isBase ? initPath : null);
                var train = new PagodaTrainConfig
                {
                    BatchSize = p.GetValue(batch),
                    LearningRate = p.GetValue(lr),
                    FeatureSize = p.GetValue(featureSize),
                    Seed = ctx.Seed,
                    DiscriminatorAugment = p.GetValue(discAugment),
                    DistillationWeight = p.GetValue(distilWeight),
                    DistillationBatch = p.GetValue(distilBatch),
                    DistillationSteps = p.GetValue(distilSteps),
                    Teacher = distils ? Path.GetFullPath(teacherPath!) : null,
                };
                if (isBase)
                {
                    var (teacher, header) = Checkpoint.Load<UNet>(initPath);
                    // The distillation teacher is --init unless --teacher names another file.
                    var other = distils && train.Teacher != Path.GetFullPath(initPath) ? Checkpoint.Load<UNet>(train.Teacher!).Model : null;
                    trainer = PagodaTrainer.CreateBase(teacher, SamplingDefaults.Of(header).SigmaMax, train, set, dir, ctx.Device, distillationTeacher: other);
                }
                else trainer = PagodaTrainer.CreateGrow(Checkpoint.Load<OneStepGenerator>(initPath).Model, train, set, dir, ctx.Device,
                    teacher: distils ? Checkpoint.Load<UNet>(teacherPath!).Model : null);
            }
            Console.WriteLine($"PaGoDA {StageOf(trainer)}: generator {trainer.Generator.BaseResolution}px noise -> {trainer.Generator.OutputResolution}px images, {set.Count} pairs, from step {trainer.Step}");
            training.Train(trainer, p);
            return 0;
        });
        return cmd;
    }

    // A base run trains the generator at the teacher's resolution; a grow run has added a level above it.
    static string StageOf(PagodaTrainer trainer) => trainer.Generator.OutputResolution > trainer.Generator.BaseResolution ? "grow" : "base";
}
