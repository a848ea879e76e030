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
        Assert.Contains("the shard count", Assert.Throws<UserError>(() => Shard.Parse("auto", environment: new Hashtable { ["JOB_COMPLETION_INDEX"] = "1" })).Message);
        Assert.Throws<UserError>(() => Shard.Parse("auto", 2, new Hashtable { ["JOB_COMPLETION_INDEX"] = "2" }));
        foreach (var bad in new[] { "3/3", "-1/2", "a/b", "1", "1/0" }) Assert.Throws<UserError>(() => Shard.Parse(bad));
    }

    static Shard Slurm(params (string Name, string Value)[] vars)
    {
        var env = new Hashtable();
        foreach (var (name, value) in vars) env[$"SLURM_ARRAY_TASK_{name}"] = value;
        return Shard.Parse("auto", environment: env);
    }

    static string SlurmError(params (string Name, string Value)[] vars) => Assert.Throws<UserError>(() => Slurm(vars)).Message;

    [Fact]
    public void Slurm_arrays_with_an_offset_or_a_step_give_every_task_its_own_shard()
    {
        // --array=0-4:2 runs tasks 0, 2, 4: shards 0, 1, 2 of 3 (the count from Slurm, or from MIN, MAX and STEP).
        Assert.Equal(new Shard(1, 3), Slurm(("ID", "2"), ("MIN", "0"), ("MAX", "4"), ("STEP", "2"), ("COUNT", "3")));
        Assert.Equal(new Shard(2, 3), Slurm(("ID", "4"), ("MIN", "0"), ("MAX", "4"), ("STEP", "2")));
        // --array=5-13:4 runs 5, 9, 13.
        Assert.Equal([new Shard(0, 3), new Shard(1, 3), new Shard(2, 3)], new[] { "5", "9", "13" }.Select(id => Slurm(("ID", id), ("MIN", "5"), ("MAX", "13"), ("STEP", "4"), ("COUNT", "3"))));
        // Without a step variable the step is 1.
        Assert.Equal(new Shard(3, 4), Slurm(("ID", "6"), ("MIN", "3"), ("MAX", "6")));
    }

    [Fact]
    public void Slurm_variables_that_do_not_describe_the_task_are_refused_naming_the_variable_and_its_value()
    {
        // The task id below the array's minimum (it used to become shard -1 and write a shard of nothing).
        Assert.Equal("shard auto: SLURM_ARRAY_TASK_ID='2' is below SLURM_ARRAY_TASK_MIN='3'", SlurmError(("ID", "2"), ("MIN", "3"), ("COUNT", "2")));
        // Off the step grid: --array=0-4:2 has no task 3.
        Assert.Contains("SLURM_ARRAY_TASK_ID='3' is not on the array's grid", SlurmError(("ID", "3"), ("MIN", "0"), ("MAX", "4"), ("STEP", "2"), ("COUNT", "3")));
        // Not whole numbers.
        Assert.Equal("shard auto: SLURM_ARRAY_TASK_STEP='2.5' is not a non-negative whole number", SlurmError(("ID", "2"), ("MIN", "0"), ("STEP", "2.5"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_MIN='-1'", SlurmError(("ID", "2"), ("MIN", "-1"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_ID='two'", SlurmError(("ID", "two"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_STEP='0'", SlurmError(("ID", "2"), ("STEP", "0"), ("COUNT", "3")));
        // A count that disagrees with the range (--array=1,2,7 is not one evenly stepped range).
        Assert.Contains("SLURM_ARRAY_TASK_COUNT='3' does not match", SlurmError(("ID", "2"), ("MIN", "1"), ("MAX", "7"), ("STEP", "1"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_MAX='5' is not", SlurmError(("ID", "2"), ("MIN", "0"), ("MAX", "5"), ("STEP", "2"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_ID='6' is task 3 of the array's 3", SlurmError(("ID", "6"), ("MIN", "0"), ("STEP", "2"), ("COUNT", "3")));
        Assert.Contains("SLURM_ARRAY_TASK_COUNT='0'", SlurmError(("ID", "0"), ("COUNT", "0")));
        Assert.Contains("neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX", SlurmError(("ID", "0")));
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
