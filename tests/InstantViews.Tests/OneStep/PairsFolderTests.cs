using InstantViews.GenWarp;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static InstantViews.Tests.TensorAssert;

namespace InstantViews.Tests.OneStep;

/// <summary>`genwarp pairs` keeps its settings in the folder (pairs.json): other settings are refused, equal ones resume exactly.</summary>
[Collection("console")]
public class PairsFolderTests
{
    public PairsFolderTests() => TestTorch.Init();

    static void Teacher(string path, int seed)
    {
        TorchSharp.torch.random.manual_seed(seed);
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, seed);
        Checkpoint.Save(path, model);
    }

    static string[] Pairs(string teacher, string outDir, params string[] extra)
    {
        var args = new List<string> { "genwarp", "pairs", "--teacher", teacher, "--count", "6", "--chunk", "2", "--steps", "2", "--depth", "gt", "--threads", "1", "-q", "--out", outDir };
        for (int i = 0; i < extra.Length; i += 2)
        {
            var at = args.IndexOf(extra[i]);
            if (at >= 0) args[at + 1] = extra[i + 1];
            else args.AddRange([extra[i], extra[i + 1]]);
        }
        return [.. args];
    }

    static void Ok(string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.Code == 0, r.Err);
    }

    static Dictionary<string, byte[]> Snapshot(string dir) => Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void A_rerun_with_other_settings_is_refused_before_any_work_and_an_equal_one_resumes_to_what_one_run_gives()
    {
        using var dir = new TempDir();
        Teacher(dir.File("teacher.safetensors"), 5);
        Directory.CreateDirectory(dir.File("twin"));
        Teacher(dir.File("twin/teacher.safetensors"), 6);
        var (teacher, twin, folder) = (dir.File("teacher.safetensors"), dir.File("twin/teacher.safetensors"), dir.File("pairs"));
        Ok(Pairs(teacher, dir.File("one")));

        // Half the work (shard 0 of 2: chunks 0 and 2), then re-runs with other settings.
        Ok(Pairs(teacher, folder, "--shard", "0/2"));
        var before = Snapshot(folder);
        Assert.Equal(["chunk-00000.safetensors", "chunk-00002.safetensors", "pairs.json"], before.Keys.Order());
        foreach (var (extra, says) in new (string[], string)[]
        {
            (["--steps", "3"], "--steps 2, not 3"),
            (["--guidance", "2"], "--guidance 1, not 2"),
            (["--chunk", "3"], "--chunk 2, not 3"),
            (["--count", "8"], "--count 6, not 8"),
            (["--seed", "4"], "--seed 0, not 4"),
            (["--teacher", twin], "--teacher sha256:"),
            (["--chunk", "3", "--steps", "7"], "--chunk 2, not 3; --steps 2, not 7"),
        })
        {
            var r = CliRunner.Run(Pairs(teacher, folder, [.. extra, "--shard", "1/2"]));
            Assert.Equal(1, r.Code);
            var line = r.Err.Trim();
            Assert.StartsWith($"error: '{folder}': its pairs were made with other settings (pairs.json): ", line);
            Assert.Contains(says, line);
            Assert.EndsWith("; run with the same settings to resume, or choose another --out", line);
            Assert.DoesNotContain("\n", line);
            var after = Snapshot(folder);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach (var (name, bytes) in before) Assert.True(bytes.SequenceEqual(after[name]), name);
        }

        // The same settings resume: a lost chunk is made again, the other shard fills in the rest.
        File.Delete(Path.Combine(folder, "chunk-00002.safetensors"));
        Ok(Pairs(teacher, folder, "--shard", "1/2"));
        Ok(Pairs(teacher, folder, "--shard", "0/2"));
        var (a, b) = (NovelViewPairSet.Load(dir.File("one")), NovelViewPairSet.Load(folder));
        Assert.Equal(6, b.Count);
        Assert.Equal(a.Config, b.Config);
        Assert.True(Same(a.Index, b.Index) && Same(a.Z, b.Z));
        Assert.Equal(File.ReadAllBytes(dir.File("one/pairs.json")), File.ReadAllBytes(Path.Combine(folder, "pairs.json")));
    }

    [Fact]
    public void A_folder_of_chunks_without_settings_is_refused()
    {
        using var dir = new TempDir();
        Teacher(dir.File("teacher.safetensors"), 5);
        Ok(Pairs(dir.File("teacher.safetensors"), dir.File("old"), "--count", "2"));
        File.Delete(dir.File("old/pairs.json"));
        var r = CliRunner.Run(Pairs(dir.File("teacher.safetensors"), dir.File("old"), "--count", "2"));
        Assert.Equal(1, r.Code);
        Assert.Equal($"error: '{dir.File("old")}': holds pair chunks but no pairs.json (an older version's folder), so its settings cannot be checked; choose another --out", r.Err.Trim());
        Assert.False(File.Exists(dir.File("old/pairs.json")));
    }
}
