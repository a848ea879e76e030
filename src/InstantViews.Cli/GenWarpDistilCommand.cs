using System.CommandLine;
using InstantViews.GenWarp;
using InstantViews.OneStep;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp distil`: the one-step GenWarp from its pairs (base run or a growth level).</summary>
public static class GenWarpDistilCommand
{
    public static Command Build()
    {
        var teacher = new Option<string?>("--teacher") { Description = "GenWarp teacher the generator starts from (a new run), also the grids' multi-step column" };
        var pairs = new Option<string>("--pairs") { Description = "Pairs folder or file from `genwarp pairs`", Required = true };
        var outDir = new Option<string>("--out") { Description = "Run folder", Required = true };
        var training = TrainOptions.Create();
        var batch = new Option<int>("--batch") { Description = "Pairs per batch", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Generator learning rate", DefaultValueFactory = _ => 1e-4 };
        var adv = new Option<double>("--adversarial-weight") { Description = "w of L_rec + w lambda L_G (0: reconstruction only)", DefaultValueFactory = _ => 0.2 };
        var featureSize = new Option<int>("--feature-size") { Description = "Views are upsampled to at least this size for the ResNet-18 (loss and discriminator)", DefaultValueFactory = _ => 64 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "Steps between sample grids", DefaultValueFactory = _ => 200 };
        var discCondition = new Option<string>("--disc-condition") { Description = "What the discriminator sees besides the view: none, or warp (the forward-warped source)", DefaultValueFactory = _ => "none" };
        discCondition.AcceptOnlyFromAmong(OneStepTrainConfig.DiscriminatorConditions);
        var grow = new Option<string?>("--grow") { Description = "Instead of --teacher: grow this one-step model by one level (2x the size; PaGoDA's growth stage), trained on the pairs rendered at the new size" };
        var levelGuide = new Option<string>("--level-guide") { Description = "With --grow: what the new level sees of the source: warp (the warped source RGB and holes at its size) or none", DefaultValueFactory = _ => "warp" };
        levelGuide.AcceptOnlyFromAmong(OneStepGenWarpConfig.LevelGuides);
        var levelChannels = new Option<int?>("--level-channels") { Description = "With --grow: channels of the new level (default: the model's, 32)" };
        var cmd = new Command("distil", "Distil a GenWarp teacher into a one-step generator (PaGoDA's base stage for novel views), or grow one by a level (--grow); --resume continues exactly")
        { teacher, grow, pairs, outDir, batch, lr, adv, featureSize, sampleEvery, discCondition, levelGuide, levelChannels };
        var photos = new Option<string?>("--photos") { Description = "With pairs of real photographs (genwarp pairs --source warpback): the corpus they were made from" };
        cmd.Options.Add(photos);
        var init = new Option<string?>("--init") { Description = "Instead of --teacher or --grow: fine-tune this one-step model (grown or not) at its own size" };
        var mixPairs = new Option<string?>("--mix-pairs") { Description = "A second pairs folder (e.g. real photographs warped back) that a share of every batch comes from" };
        var mix = new Option<double>("--mix") { Description = "With --mix-pairs: the share of every batch drawn from them (round(batch x share) pairs)", DefaultValueFactory = _ => 0.5 };
        var rec = new Option<string>("--rec") { Description = "Reconstruction loss: resnet18 (perceptual distance on the ResNet-18 the evaluation also reads) or pixel (L1 + 1 - SSIM, and both again over the holes; no network), or composed (pixel, the hole terms on the view as the Poisson composition composes it: the harmonic fill of the warp plus the view's detail)", DefaultValueFactory = _ => "resnet18" };
        rec.AcceptOnlyFromAmong(OneStepTrainConfig.Reconstructions);
        var occludedWeight = new Option<double>("--occluded-weight") { Description = "With --rec pixel or composed: the weight of the terms over the hole pixels", DefaultValueFactory = _ => 5 };
        var disc = new Option<string>("--disc") { Description = "Discriminator: resnet18 (heads on the ResNet-18 the evaluation also reads), patch (a patch discriminator trained from scratch) or patch-holes (the same judged per patch: a generated view's patches over its holes fake, the rest real)", DefaultValueFactory = _ => "resnet18" };
        disc.AcceptOnlyFromAmong(OneStepTrainConfig.Discriminators);
        var initBase = new Option<string?>("--init-base") { Description = "With --init of a grown model: first put this one-step model's base generator and lower growth levels (a 32- or 64-px one fine-tuned since) under the grown model's upper levels" };
        var recNoise = new Option<double?>("--rec-noise") { Description = "The reconstruction's noise: fresh noise at this share of sigma_max (a view's noise, e.g. the model's noise scale 0.25), instead of the noise the teacher's ODE inverts the target to (default)" };
        foreach (var o in new Option[] { init, initBase, mixPairs, mix, rec, occludedWeight, recNoise, disc }) cmd.Options.Add(o);
        training.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var resuming = training.Resuming(p);
            var set = NovelViewPairSet.Load(p.GetValue(pairs)!);
            var dir = p.GetValue(outDir)!;
            var depth = GenWarpCommand.PairDepth(set.Config.Depth, ctx.Device);
            var mixSet = p.GetValue(mixPairs) is { } mixDir ? NovelViewPairSet.Load(mixDir) : null;
            foreach (var (name, config) in new[] { ("--pairs", set.Config), ("--mix-pairs", mixSet?.Config) })
                if (config?.Source == "warpback" && p.GetValue(photos) is null)
                    throw new UserError($"{name} holds pairs of real photographs (genwarp pairs --source warpback): give the corpus they came from with --photos DIR");
            var mixed = mixSet is null ? null : new OneStepTrainer.MixedPairs(mixSet, GenWarpCommand.PairDepth(mixSet.Config.Depth, ctx.Device));
            OneStepTrainer trainer;
            if (resuming)
            {
                trainer = OneStepTrainer.Resume(dir, set, depth, ctx.Device, photos: p.GetValue(photos), mixed: mixed);
                Cli.NoteIgnoredOnResume(p, teacher, grow, batch, lr, adv, featureSize, sampleEvery, discCondition, levelGuide, levelChannels, init, initBase, mix, rec, occludedWeight, recNoise, disc);
            }
            else
            {
                if (p.GetValue(initBase) is not null && p.GetValue(init) is null) throw new UserError("--init-base needs --init (the grown model whose levels go on the new base)");
                if (new[] { p.GetValue(teacher), p.GetValue(grow), p.GetValue(init) }.Count(v => v is not null) != 1)
                    throw new UserError("a new run needs one of --teacher (distil), --grow (grow a one-step model by a level) or --init (fine-tune a one-step model)");
                var teacherPath = p.GetValue(teacher) ?? p.GetValue(grow) ?? p.GetValue(init)!;
                var train = new OneStepTrainConfig
                {
                    BatchSize = p.GetValue(batch),
                    LearningRate = p.GetValue(lr),
                    AdversarialWeight = p.GetValue(adv),
                    FeatureSize = p.GetValue(featureSize),
                    CheckpointEvery = p.GetValue(training.CheckpointEvery) ?? 50,
                    SampleEvery = p.GetValue(sampleEvery),
                    DiscriminatorCondition = p.GetValue(discCondition)!,
                    Seed = ctx.Seed,
                    Teacher = p.GetValue(teacher) is null ? null : Path.GetFullPath(teacherPath),
                    Mix = mixed is null ? 0 : p.GetValue(mix),
                    Reconstruction = p.GetValue(rec)!,
                    Discriminator = p.GetValue(disc)!,
                    OccludedWeight = p.GetValue(occludedWeight),
                    ReconstructionNoise = p.GetValue(recNoise),
                };
                if (p.GetValue(grow) is { } from)
                {
                    var (oneStep, _) = Checkpoint.Load<OneStepGenWarp>(from, ctx.Device);
                    trainer = OneStepTrainer.Grow(oneStep, train, set, depth, dir, p.GetValue(levelChannels), p.GetValue(levelGuide), ctx.Device, photos: p.GetValue(photos), mixed: mixed);
                }
                else if (p.GetValue(init) is { } start)
                {
                    var (oneStep, _) = Checkpoint.Load<OneStepGenWarp>(start, ctx.Device);
                    if (p.GetValue(initBase) is { } basePath)
                    {
                        var (baseModel, _) = Checkpoint.Load<OneStepGenWarp>(basePath, ctx.Device);
                        oneStep = oneStep.WithBase(baseModel);
                    }
                    trainer = OneStepTrainer.FineTune(oneStep, train, set, depth, dir, ctx.Device, photos: p.GetValue(photos), mixed: mixed);
                }
                else
                {
                    var (model, _) = Checkpoint.Load<GenWarpModel>(teacherPath, ctx.Device);
                    trainer = OneStepTrainer.Create(model, train, set, depth, dir, ctx.Device, photos: p.GetValue(photos), mixed: mixed);
                }
            }
            using (trainer)
            {
                var g = trainer.Generator;
                var levels = g.Cfg.Levels == 0 ? "" : $" (level {g.Cfg.Levels}, guide {g.Cfg.LevelGuide})";
                var what = !resuming && p.GetValue(init) is not null ? $"fine-tuning one-step GenWarp at {g.OutputResolution}px{levels}"
                    : g.Cfg.Levels == 0 ? "distilling one-step GenWarp" : $"growing one-step GenWarp to {g.OutputResolution}px{levels}";
                var mixing = trainer.MixPairs is { } m ? $", {trainer.Train.Mix:0.##} of each batch from {m.Count} {m.Config.Source} pairs" : "";
                Console.WriteLine($"{what} ({g.ParameterCount / 1e6:0.00}M parameters) from {set.Count} {set.Config.Source} pairs " +
                                  $"(inverted with guidance {set.Config.Guidance}, depth {set.Config.Depth}){mixing}, from step {trainer.Step}");
                training.Train(trainer, p);
            }
            return 0;
        });
        return cmd;
    }
}
