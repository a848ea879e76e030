using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

/// <summary>
/// Every verb end to end on tiny models and sizes, in process: exit code 0, the files it promises, and the network
/// evaluations it reports where it reports them. (nvs, orbit, warp and scenes have their own command tests; what
/// genwarp eval scores is tested on the library, NovelViewComparisonTests.)
/// </summary>
[Collection("console")]
public class SmokeTests
{
    public SmokeTests() => TestTorch.Init();

    static string Ok(params string[] args)
    {
        var r = CliRunner.Run([.. args, "--threads", "1", "-q"]);
        Assert.True(r.Code == 0, $"{string.Join(' ', args)}: exit {r.Code}: {r.Err}");
        return r.Out;
    }

    static void Files(string dir, params string[] names)
    {
        foreach (var n in names) Assert.True(File.Exists(Path.Combine(dir, n)), $"{dir}: {n} missing");
    }

    [Fact]
    public void Diffusion_and_pagoda_verbs_run_end_to_end()
    {
        using var d = new TempDir();
        for (int i = 0; i < 4; i++) ImageFile.Write(d.File($"img/{i}.png"), rand(3, 8, 8) * 2 - 1);
        for (int i = 0; i < 2; i++) ImageFile.Write(d.File($"img16/{i}.png"), rand(3, 16, 16) * 2 - 1);
        Ok("info");
        Ok("diffusion", "train", "--data", "scenes", "--resolution", "8", "--config", "tiny", "--batch", "2", "--steps", "2", "--out", d.File("teacher"));
        Files(d.File("teacher"), "checkpoint.safetensors", "model.safetensors", "train.json", "loss.csv");
        // A resumed run keeps its own resolution and seed (its data) and says which given options it ignores: it ends
        // where the straight run ends.
        var run = new[] { "diffusion", "train", "--data", "scenes", "--config", "tiny", "--batch", "2" };
        Ok([.. run, "--resolution", "8", "--seed", "5", "--steps", "2", "--out", d.File("straight")]);
        Ok([.. run, "--resolution", "8", "--seed", "5", "--steps", "1", "--out", d.File("resumed")]);
        Assert.Contains("ignored: --resolution, --config, --batch, --lr, --seed", Ok([.. run, "--resolution", "16", "--lr", "1", "--seed", "0", "--resume", "--steps", "2", "--out", d.File("resumed")]));
        var straight = Checkpoint.ReadAll(d.File("straight/model.safetensors")).Tensors;
        var resumed = Checkpoint.ReadAll(d.File("resumed/model.safetensors")).Tensors;
        Assert.Equal(straight.Count, resumed.Count);
        Assert.All(straight.Zip(resumed), t => Assert.True(t.First.Value.eq(t.Second.Value).all().item<bool>(), t.First.Key));
        var teacher = d.File("teacher/model.safetensors");
        Assert.Contains("NFE per image 5", Ok("diffusion", "sample", "--model", teacher, "--steps", "3", "--count", "3", "--out", d.File("samples")));
        Files(d.File("samples"), "00000.png", "00002.png", "grid.png");
        Assert.Contains("NFE per image 3", Ok("diffusion", "sample", "--model", teacher, "--sampler", "dpm++2m", "--steps", "3", "--count", "2", "--out", d.File("dpm")));
        Ok("diffusion", "invert", "--model", teacher, "--images", d.File("img"), "--steps", "3", "--out", d.File("noise.safetensors"));
        Files(d.Path, "noise.safetensors");

        Ok("pagoda", "pairs", "--teacher", teacher, "--data", "scenes", "--count", "4", "--resolution", "16", "--steps", "3", "--out", d.File("pairs"));
        Ok("pagoda", "merge", "--in", d.File("pairs"), "--out", d.File("pairs.safetensors"));
        Ok("pagoda", "train", "--stage", "base", "--pairs", d.File("pairs.safetensors"), "--init", teacher, "--batch", "2", "--steps", "1", "--out", d.File("g8"));
        Ok("pagoda", "train", "--stage", "grow", "--pairs", d.File("pairs"), "--init", d.File("g8/model.safetensors"), "--batch", "2", "--steps", "1", "--out", d.File("g16"));
        // The release's two terms: an augmented discriminator and distillation; a resumed run finds its teacher again.
        var both = new[] { "--disc-augment", "--distil-weight", "1", "--distil-batch", "1", "--distil-steps", "2" };
        Ok(["pagoda", "train", "--stage", "base", "--pairs", d.File("pairs"), "--init", teacher, "--batch", "2", "--steps", "1", .. both, "--out", d.File("gd")]);
        Assert.Contains("from step 1", Ok("pagoda", "train", "--stage", "base", "--pairs", d.File("pairs"), "--out", d.File("gd"), "--resume", "--steps", "2"));
        Assert.Contains(Path.GetFullPath(teacher), File.ReadAllText(d.File("gd/train.json")));
        var wrongStage = CliRunner.Run("pagoda", "train", "--stage", "grow", "--pairs", d.File("pairs"), "--out", d.File("gd"), "--resume", "--steps", "3", "-q");
        Assert.Equal(1, wrongStage.Code);
        Assert.Contains("the run is a base stage; --stage grow given", wrongStage.Err);
        Ok(["pagoda", "train", "--stage", "grow", "--pairs", d.File("pairs"), "--init", d.File("gd/model.safetensors"), "--teacher", teacher, "--batch", "2", "--steps", "1", .. both, "--out", d.File("gd16")]);
        Files(d.File("g16"), "checkpoint.safetensors", "model.safetensors", "loss.csv");
        Assert.Contains("NFE per image 1", Ok("pagoda", "sample", "--model", d.File("g16/model.safetensors"), "--count", "2", "--out", d.File("one-step")));
        Files(d.File("one-step"), "00001.png", "grid.png");
        Ok("pagoda", "upscale", "--model", d.File("g16/model.safetensors"), "--teacher", teacher, "--image", d.File("img/0.png"), "--out", d.File("up.png"));
        Assert.Equal(16, ImageFile.Read(d.File("up.png")).shape[2]);

        Assert.Contains("FD", Ok("eval", "fd", "--real", d.File("img"), "--fake", d.File("samples"), "--size", "32", "--kid-subsets", "2"));
        Ok("eval", "pairs", "--pred", d.File("img16"), "--target", d.File("img16"), "--size", "32", "--csv", d.File("pairs.csv"));
        Files(d.Path, "pairs.csv");
        Assert.Contains("tensor", Ok("checkpoint", "info", "--in", teacher, "--tensors"));
        Ok("checkpoint", "export", "--in", d.File("teacher/checkpoint.safetensors"), "--out", d.File("export.safetensors"), "--fp16");
        Assert.Equal("unet", Checkpoint.ReadHeader(d.File("export.safetensors")).Kind);
    }

    [Fact]
    public void Depth_and_genwarp_verbs_run_end_to_end()
    {
        using var d = new TempDir();
        ImageFile.Write(d.File("img.png"), rand(3, 16, 16) * 2 - 1);
        Ok("depth", "train", "--resolution", "16", "--channels", "4", "--batch", "2", "--steps", "1", "--out", d.File("depth"));
        var depth = d.File("depth/model.safetensors");
        var scores = Ok("depth", "eval", "--model", "builtin:" + depth, "--count", "2", "--size", "16", "--csv", d.File("depth.csv"));
        var depthRows = File.ReadAllLines(d.File("depth.csv"));
        Assert.Equal("predictor,views,size,absrel,delta1,pixels", depthRows[0]);
        Assert.Equal(3, depthRows.Length);
        Assert.Contains(double.Parse(depthRows[1].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), scores);
        Ok("depth", "--image", d.File("img.png"), "--model", "builtin:" + depth, "--out", d.File("img-depth"));
        Files(d.Path, "img-depth.npy", "img-depth.png");

        var common = new[] { "--resolution", "16", "--channels", "8", "--attention-resolutions", "4", "--batch", "2", "--spp", "1", "--steps", "1", "--sample-every", "0" };
        Ok(["genwarp", "train", .. common, "--out", d.File("gw")]);
        Ok(["genwarp", "train", "--kind", "warp-inpaint", .. common, "--out", d.File("wi")]);
        Ok(["genwarp", "train", "--attention", "paper", .. common, "--out", d.File("paper")]);
        var (paper, _) = Checkpoint.Load<GenWarpModel>(d.File("paper/model.safetensors"));
        Assert.Equal(0, paper.Cfg.Net.PositionChannels); // as published: no coordinate attention
        Assert.Equal(CoordinateEmbedding.Channels, Checkpoint.Load<GenWarpModel>(d.File("gw/model.safetensors")).Model.Cfg.Net.PositionChannels);
        var gw = d.File("gw/model.safetensors");
        Ok("genwarp", "pairs", "--teacher", gw, "--count", "2", "--steps", "3", "--depth", "gt", "--out", d.File("gpairs"));
        Ok("genwarp", "distil", "--teacher", gw, "--pairs", d.File("gpairs"), "--batch", "2", "--steps", "1", "--feature-size", "32", "--sample-every", "0", "--out", d.File("one"));
        Files(d.File("one"), "checkpoint.safetensors", "model.safetensors", "loss.csv");
        Assert.Equal("genwarp-1step", Checkpoint.ReadHeader(d.File("one/model.safetensors")).Kind);
        // The comparison's rows and NFE are the library's tests (NovelViewComparisonTests); here the verb runs end to end.
        Ok("genwarp", "eval", "--model", gw, "--baseline", d.File("wi/model.safetensors"), "--one-step", d.File("one/model.safetensors"),
            "--pairs", "2", "--steps", "2", "--spp", "1", "--depth-model", depth, "--out", d.File("eval"));
        Files(d.File("eval"), "results.csv", "examples-genwarp-1step-mid-estimated.png", "examples-warp-only-long-gt.png");
    }
}
