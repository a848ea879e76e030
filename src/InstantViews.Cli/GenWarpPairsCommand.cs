using System.CommandLine;
using System.Diagnostics;
using InstantViews.Diffusion;
using InstantViews.GenWarp;
using InstantViews.OneStep;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews genwarp pairs`: the one-step distillation's (pair, inverted noise) pairs from the GenWarp teacher.</summary>
public static class GenWarpPairsCommand
{
    public static Command Build()
    {
        var teacher = new Option<string>("--teacher") { Description = "GenWarp teacher (model.safetensors)", Required = true };
        var count = new Option<int>("--count") { Description = "Number of scene pairs", DefaultValueFactory = _ => 1024 };
        var outDir = new Option<string>("--out") { Description = "Pairs folder (chunk files; re-running resumes)", Required = true };
        var steps = new Option<int>("--steps") { Description = "Inversion grid points (reverse Heun, 2N-1 evaluations per pair, twice that with guidance)", DefaultValueFactory = _ => 18 };
        var guidance = new Option<double>("--guidance") { Description = "Guidance scale of the inverted field (1 = the conditional model's own ODE)", DefaultValueFactory = _ => 1 };
        var depth = new Option<string>("--depth") { Description = "Source depth of the pairs: gt (scenes only), builtin, builtin:FILE.safetensors or onnx:FILE (warpback)", DefaultValueFactory = _ => "builtin" };
        var chunk = new Option<int>("--chunk") { Description = "Pairs per chunk file", DefaultValueFactory = _ => 32 };
        var source = new Option<string>("--source") { Description = "scenes: procedural scene pairs; warpback: real photographs of --photos (training split) warped to a sideways step and back", DefaultValueFactory = _ => "scenes" };
        source.AcceptOnlyFromAmong("scenes", "warpback");
        var photos = new Option<string?>("--photos") { Description = "With --source warpback: the real-photo corpus (scripts/realphotos DIR)" };
        var size = new Option<int>("--size") { Description = "With --source warpback: side of the square pairs before they are resized to the teacher's resolution", DefaultValueFactory = _ => new WarpBackSettings().Size };
        var maxDisparity = new Option<double>("--max-disparity") { Description = "With --source warpback: largest sideways step, the nearest points moving by half to all of this fraction of the width", DefaultValueFactory = _ => new WarpBackSettings().MaxDisparity };
        var occluders = new Option<double>("--occluders") { Description = "With --source warpback: the chance (0 to 1) that a pair's crop gets an occluder (a blob of another photo in front of it), for holes enclosed by seen pixels", DefaultValueFactory = _ => new WarpBackSettings().Occluders };
        var cmd = new Command("pairs", "Invert real target views of scene pairs (or real photographs warped back) to noise along the teacher's conditional PF-ODE: one-step GenWarp's (condition, z) pairs")
        { teacher, count, outDir, steps, guidance, depth, chunk, source, photos, size, maxDisparity, occluders };
        var shard = ShardOptions.Create();
        shard.AddTo(cmd);
        Cli.SetAction(cmd, (p, ctx) =>
        {
            OutputPaths.Folder(p.GetValue(outDir)!);
            var warpBack = p.GetValue(source) == "warpback";
            if (warpBack && p.GetValue(photos) is null) throw new UserError("--source warpback needs --photos DIR (the real-photo corpus)");
            if (warpBack && p.GetValue(depth) == "gt") throw new UserError("--source warpback: photographs have no true depth; use --depth builtin, builtin:FILE or onnx:FILE");
            if (!warpBack && p.GetValue(photos) is not null) throw new UserError("--photos is for --source warpback");
            if (!warpBack && p.GetResult(occluders) is { Implicit: false }) throw new UserError("--occluders is for --source warpback");
            var (model, header) = Checkpoint.Load<GenWarpModel>(p.GetValue(teacher)!, ctx.Device);
            var (i, n) = shard.Read(p);
            var w = p.GetValue(guidance);
            var config = new NovelViewPairsConfig
            {
                Resolution = model.Cfg.Net.Resolution,
                Seed = ctx.Seed,
                Depth = p.GetValue(depth)!,
                Guidance = w,
                Steps = p.GetValue(steps),
                SigmaMax = SamplingDefaults.Of(header).SigmaMax,
            };
            using var data = warpBack ? WarpBackSource(p.GetValue(photos)!, new WarpBackSettings(Size: p.GetValue(size), MaxDisparity: p.GetValue(maxDisparity), Occluders: p.GetValue(occluders)), ref config, ctx.Device)
                : (INovelViewPairSource)new ScenePairs(config.Stream(), GenWarpCommand.PairDepth(config.Depth, ctx.Device));
            var chunks = new Pagoda.PairsConfig { Count = p.GetValue(count), ChunkSize = p.GetValue(chunk), ShardIndex = i, ShardCount = n };
            var clock = Stopwatch.StartNew();
            var files = NovelViewPairSet.Build(model, data, config, chunks, p.GetValue(outDir)!, ctx.Device);
            var set = NovelViewPairSet.Load(p.GetValue(outDir)!);
            // The inversion is reverse Heun (Inversion.Invert's solver); guidance doubles each evaluation.
            var nfe = SamplerRegistry.Evaluations("heun", config.Steps) * (w == 1 ? 1 : 2);
            Console.WriteLine($"{files.Count} chunks for shard {i}/{n} in {p.GetValue(outDir)} ({set.Count} pairs in the folder); {nfe} NFE per pair; " +
                              $"round-trip PSNR {set.RoundTripPsnr:0.00} dB; {clock.Elapsed.TotalSeconds:0} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>Warp-back pairs of the corpus's training photos; the config records the source, the photos' identity and the settings.</summary>
    static WarpBackPairs WarpBackSource(string folder, WarpBackSettings settings, ref NovelViewPairsConfig config, TorchSharp.torch.Device device)
    {
        settings.Check();
        var corpus = Scenes.PhotoCorpus.Load(folder, maxSide: settings.PhotoSide, split: Scenes.PhotoSplit.Training);
        config = config with { Source = "warpback", Photos = corpus.Hash, WarpBack = settings };
        return WarpBackPairs.FromCorpus(corpus, Depth.DepthSource.Open(config.Depth, device), settings, config.Seed);
    }
}
