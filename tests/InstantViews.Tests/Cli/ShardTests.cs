using System.Collections;
using InstantViews.Runtime;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class ShardTests
{
    public ShardTests() => TestTorch.Init();

    [Fact]
    public void Shards_come_from_the_spec_or_from_the_scheduler()
    {
        Assert.Equal(new Shard(2, 5), Shard.Parse("2/5"));
        Assert.Equal(Shard.All, Shard.Parse("auto", environment: new Hashtable()));
        // Slurm: --array=3-6 runs task ids 3..6; shard = id - min.
        Assert.Equal(new Shard(2, 4), Shard.Parse("auto", environment: new Hashtable { ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_MIN"] = "3", ["SLURM_ARRAY_TASK_COUNT"] = "4" }));
        Assert.Equal(new Shard(1, 3), Shard.Parse("auto", 3, new Hashtable { ["JOB_COMPLETION_INDEX"] = "1" }));
        Assert.Equal(new Shard(1, 3), Shard.Parse("auto", environment: new Hashtable { ["JOB_COMPLETION_INDEX"] = "1", ["INSTANTVIEWS_SHARD_COUNT"] = "3" }));
        Assert.Contains("--shard-count", Assert.Throws<UserError>(() => Shard.Parse("auto", environment: new Hashtable { ["JOB_COMPLETION_INDEX"] = "1" })).Message);
        Assert.Throws<UserError>(() => Shard.Parse("auto", 2, new Hashtable { ["JOB_COMPLETION_INDEX"] = "2" }));
        foreach (var bad in new[] { "3/3", "-1/2", "a/b", "1", "1/0" }) Assert.Throws<UserError>(() => Shard.Parse(bad));
    }

    static void Ok(params string[] args)
    {
        var r = CliRunner.Run([.. args, "--threads", "1", "-q"]);
        Assert.True(r.Code == 0, r.Err);
    }

    static Dictionary<string, byte[]> Tree(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    static void SameTree(string a, string b)
    {
        var (ta, tb) = (Tree(a), Tree(b));
        Assert.Equal(ta.Keys.Order(), tb.Keys.Order());
        foreach (var (name, bytes) in ta) Assert.True(bytes.SequenceEqual(tb[name]), name);
    }

    [Fact]
    public void Three_shards_render_the_same_dataset_as_one_process()
    {
        using var d = new TempDir();
        string[] common = ["scenes", "render", "--count", "5", "--frames", "2", "--width", "16", "--height", "12", "--spp", "1", "--seed", "7"];
        Ok([.. common, "--out", d.File("one")]);
        for (int i = 0; i < 3; i++) Ok([.. common, "--shard", $"{i}/3", "--out", d.File("sharded")]);
        SameTree(d.File("one"), d.File("sharded"));
    }

    [Fact]
    public void Pair_shards_plus_the_merge_equal_one_process()
    {
        using var d = new TempDir();
        random_teacher(d.File("teacher.safetensors"));
        string[] common = ["pagoda", "pairs", "--teacher", d.File("teacher.safetensors"), "--data", "scenes", "--count", "7", "--chunk", "2", "--resolution", "16", "--steps", "3"];
        Ok([.. common, "--out", d.File("one")]);
        Ok("pagoda", "merge", "--in", d.File("one"), "--out", d.File("one.safetensors"));
        for (int i = 0; i < 2; i++) Ok([.. common, "--shard", $"{i}/2", "--out", d.File($"shard{i}")]);
        Ok("pagoda", "merge", "--in", d.File("shard0"), d.File("shard1"), "--out", d.File("merged.safetensors"));
        var (a, b) = (InstantViews.Pagoda.PairSet.Load(d.File("one.safetensors")), InstantViews.Pagoda.PairSet.Load(d.File("merged.safetensors")));
        Assert.True(TensorAssert.Same(a.X, b.X) && TensorAssert.Same(a.Z, b.Z));
    }

    static void random_teacher(string path)
    {
        TorchSharp.torch.random.manual_seed(4);
        Checkpoint.Save(path, new InstantViews.Nn.UNet(InstantViews.Tests.Nn.UNetTests.Tiny()), metrics: new Dictionary<string, double> { ["sigma_max"] = 80 });
    }
}
