using System.Security.Cryptography;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Tests.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.Tests.OneStep;

/// <summary>One-step GenWarp's pairs from real photographs warped back (`genwarp pairs --source warpback`) and their use in `genwarp distil`.</summary>
[Collection("console")]
public class WarpBackTrainingPairsTests
{
    public WarpBackTrainingPairsTests() => TestTorch.Init();

    static WarpBackPairs Photos(long seed)
    {
        var g = new Generator(31);
        var boxed = full(96, 128, 4f);
        boxed[30..70, 40..90] = tensor(2f);
        return new WarpBackPairs([("boxed", rand(new long[] { 3, 96, 128 }, generator: g) * 2 - 1, boxed)], new WarpBackSettings(Size: 48, MinCrop: 0.5), seed);
    }

    static void Same(NovelViewBatch a, NovelViewBatch b)
    {
        Assert.True(TensorAssert.Same(a.Source, b.Source) && TensorAssert.Same(a.TargetEmbedding, b.TargetEmbedding));
        Assert.True(TensorAssert.Same(a.WarpedRgb, b.WarpedRgb) && TensorAssert.Same(a.HoleMask, b.HoleMask) && TensorAssert.Same(a.Target!, b.Target!));
    }

    [Fact]
    public void Batches_at_the_model_size_are_made_as_inference_makes_them()
    {
        // Procedural pairs at their own size: the batch the trainer always made.
        using (var scenes = new ScenePairs(new SceneStreamConfig(16, 16, 1, SceneSplit.Train, 3)))
            Same(scenes.Batch([4, 5, 6], 16), scenes.Batch(scenes.Render(4, 3)));
        // Warp-back pairs made at 48 px, for a 16-px model: each pair's inputs resized as a photo is for the model (source
        // by area, depth nearest, cameras scaled), then warped; the target by area.
        using var photos = Photos(7);
        var batch = photos.Batch([2, 9], 16);
        for (int k = 0; k < 2; k++)
        {
            using var pair = photos.Pair(new[] { 2L, 9L }[k]).Pair;
            var expected = pair.Inputs.Resized(16, 16).Batch();
            Assert.True(TensorAssert.Same(batch.Source[k], expected.Source[0]) && TensorAssert.Same(batch.WarpedRgb[k], expected.WarpedRgb[0]));
            Assert.True(TensorAssert.Same(batch.TargetEmbedding[k], expected.TargetEmbedding[0]) && TensorAssert.Same(batch.HoleMask[k], expected.HoleMask[0]));
            Assert.True(TensorAssert.Same(batch.Target![k], Resize.To(pair.Target, 16, 16, ResizeFilter.Area)));
        }
        // A grown model (16 px base, one level): the pairs resized to 32 px first, the base condition and guide from there.
        var grown = GrownBatch.From(photos, [2, 9], 16, 1);
        var (inputs, targets) = photos.Pairs([2, 9]);
        Assert.True(TensorAssert.Same(grown.Target, Resize.To(targets, 32, 32, ResizeFilter.Area)));
        var (small, guides) = GrowthGuides.Prepare(inputs.Resized(32, 32), 1, CPU);
        Assert.True(TensorAssert.Same(grown.Base.Source, small.Source) && TensorAssert.Same(grown.Guides[0], guides[0]));
    }

    /// <summary>A corpus folder (manifest.tsv, photos/) of <paramref name="count"/> random photos; returns how many are in the training split.</summary>
    static int Corpus(string folder, int count, int seed)
    {
        Directory.CreateDirectory(Path.Combine(folder, "photos"));
        var lines = new List<string> { "file\tpackage\tversion\tpath\tsha256\tsize" };
        var g = new Generator((ulong)seed);
        var training = 0;
        for (int i = 0; i < count; i++)
        {
            var bytes = ImageFile.Encode(rand(new long[] { 3, 48, 64 }, generator: g) * 2 - 1);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            File.WriteAllBytes(Path.Combine(folder, "photos", $"p{i}.png"), bytes);
            lines.Add($"p{i}.png\tpkg\t1\t/p{i}.png\t{sha}\t64x48");
            if (!PhotoCorpus.IsValidation(sha)) training++;
        }
        File.WriteAllText(Path.Combine(folder, "manifest.tsv"), string.Join("\n", lines) + "\n");
        return training;
    }

    [Fact]
    public void Warp_back_pairs_record_their_photos_and_settings_and_distil_trains_on_the_same_photos_only()
    {
        using var d = new TempDir();
        Assert.True(Corpus(d.File("corpus"), 6, 1) > 0);
        Corpus(d.File("other"), 6, 2);
        random.manual_seed(5);
        var teacher = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(teacher, 5);
        Checkpoint.Save(d.File("teacher.safetensors"), teacher);
        string[] pairs = ["genwarp", "pairs", "--teacher", d.File("teacher.safetensors"), "--source", "warpback", "--photos", d.File("corpus"), "--size", "32",
            "--count", "4", "--chunk", "2", "--steps", "2", "--threads", "1", "-q", "--out", d.File("pairs")];
        var r = CliRunner.Run(pairs);
        Assert.True(r.Code == 0, r.Err);
        var set = NovelViewPairSet.Load(d.File("pairs"));
        Assert.Equal(4, set.Count);
        Assert.Equal("warpback", set.Config.Source);
        Assert.Equal(PhotoCorpus.Load(d.File("corpus"), 128, PhotoSplit.Training).Hash, set.Config.Photos);
        Assert.Equal(new WarpBackSettings(Size: 32), set.Config.WarpBack);
        Assert.Equal(new long[] { 4, 3, 16, 16 }, set.Z.shape);
        // Other settings into the same folder are refused by name.
        r = CliRunner.Run([.. pairs, "--max-disparity", "0.1"]);
        Assert.Equal(1, r.Code);
        Assert.Contains("warp-back settings", r.Err);
        r = CliRunner.Run([.. pairs, "--occluders", "0.5"]);
        Assert.Equal(1, r.Code);
        Assert.Contains("warp-back settings", r.Err);
        // Occluders are recorded with the settings; they are for warp-back pairs only.
        r = CliRunner.Run([.. pairs[..^1], d.File("pairs-occluded"), "--occluders", "0.5"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(new WarpBackSettings(Size: 32, Occluders: 0.5), NovelViewPairSet.Load(d.File("pairs-occluded")).Config.WarpBack);
        Assert.Contains("--occluders is for --source warpback", CliRunner.Run(["genwarp", "pairs", "--teacher", d.File("teacher.safetensors"), "--occluders", "0.5", "--out", d.File("p4")]).Err);
        string[] otherPairs = [.. pairs[..^1], d.File("pairs-other")];
        r = CliRunner.Run(otherPairs.Select(a => a == d.File("corpus") ? d.File("other") : a).ToArray());
        Assert.True(r.Code == 0, r.Err);
        Assert.NotEqual(set.Config.Photos, NovelViewPairSet.Load(d.File("pairs-other")).Config.Photos);
        // Photographs have no true depth, and warp-back pairs need their photos.
        Assert.Contains("--source warpback: photographs have no true depth", CliRunner.Run([.. pairs[..^1], d.File("p2"), "--depth", "gt"]).Err);
        Assert.Contains("--source warpback needs --photos DIR", CliRunner.Run(["genwarp", "pairs", "--teacher", d.File("teacher.safetensors"), "--source", "warpback", "--out", d.File("p3")]).Err);
        // distil re-makes each pair from the same photos: refused without them or with others, trained with them.
        string[] distil = ["genwarp", "distil", "--teacher", d.File("teacher.safetensors"), "--pairs", d.File("pairs"), "--batch", "2", "--steps", "1", "--feature-size", "32",
            "--sample-every", "0", "--threads", "1", "-q"];
        r = CliRunner.Run([.. distil, "--out", d.File("run0")]);
        Assert.Equal(1, r.Code);
        Assert.Contains("--pairs holds pairs of real photographs (genwarp pairs --source warpback): give the corpus they came from with --photos DIR", r.Err);
        r = CliRunner.Run([.. distil, "--photos", d.File("other"), "--out", d.File("run1")]);
        Assert.Equal(1, r.Code);
        Assert.Contains("are not those the pairs were made from", r.Err);
        r = CliRunner.Run([.. distil, "--photos", d.File("corpus"), "--out", d.File("run2")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.True(File.Exists(d.File("run2/model.safetensors")));
        // Procedural pairs with half of each batch from the photographs, fine-tuning the model just made.
        r = CliRunner.Run("genwarp", "pairs", "--teacher", d.File("teacher.safetensors"), "--count", "4", "--steps", "2", "--depth", "gt", "--threads", "1", "-q", "--out", d.File("scenes"));
        Assert.True(r.Code == 0, r.Err);
        string[] mixed = ["genwarp", "distil", "--init", d.File("run2/model.safetensors"), "--pairs", d.File("scenes"), "--mix-pairs", d.File("pairs"), "--mix", "0.5", "--rec", "pixel", "--disc", "patch",
            "--batch", "2", "--steps", "1", "--feature-size", "32", "--sample-every", "0", "--threads", "1", "--out", d.File("run3")];
        Assert.Contains("--mix-pairs holds pairs of real photographs", CliRunner.Run(mixed).Err);
        r = CliRunner.Run([.. mixed, "--photos", d.File("corpus")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("fine-tuning one-step GenWarp at 16px (", r.Out);
        Assert.Contains("from 4 scenes pairs (inverted with guidance 1, depth gt), 0.5 of each batch from 4 warpback pairs", r.Out);
        Assert.Contains("a new run needs one of --teacher (distil), --grow (grow a one-step model by a level) or --init (fine-tune a one-step model)",
            CliRunner.Run([.. mixed[..^1], d.File("run4"), "--photos", d.File("corpus"), "--teacher", d.File("teacher.safetensors")]).Err);
        Assert.Contains("--init-base needs --init (the grown model whose levels go on the new base)",
            CliRunner.Run([.. distil, "--photos", d.File("corpus"), "--out", d.File("run5"), "--init-base", d.File("run3/model.safetensors")]).Err);
        Assert.Contains("this one-step GenWarp has no growth level to move onto a new base (fine-tune the new base itself)",
            CliRunner.Run(["genwarp", "distil", "--init", d.File("run2/model.safetensors"), "--init-base", d.File("run3/model.safetensors"), "--pairs", d.File("scenes"), "--out", d.File("run6"), "--steps", "1", "--threads", "1", "-q"]).Err);
        Assert.True(Checkpoint.ReadHeader(d.File("run3/checkpoint.safetensors")) is not null);
        Assert.Contains("\"reconstruction\": \"pixel\"", File.ReadAllText(d.File("run3/train.json")));
        Assert.Contains("\"discriminator\": \"patch\"", File.ReadAllText(d.File("run3/train.json")));
        Assert.Contains("--occluded-weight must not be negative, got -1", CliRunner.Run([.. mixed, "--occluded-weight", "-1"]).Err);
        Assert.Contains("--mix must be 0 to 1 (a share of each batch), got 2", CliRunner.Run(mixed.Select((a, i) => i > 0 && mixed[i - 1] == "--mix" ? "2" : a).ToArray()).Err);
    }
}
