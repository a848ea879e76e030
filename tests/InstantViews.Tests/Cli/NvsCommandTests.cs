using System.Buffers.Binary;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.NovelViews.Evaluation;
using InstantViews.OneStep;
using InstantViews.Runtime;
using InstantViews.Tests.GenWarp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class NvsCommandTests
{
    public NvsCommandTests() => TestTorch.Init();

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    // A tiny untrained model, a 16x16 image and a constant depth map of 2 m.
    static void Inputs(TempDir dir)
    {
        var model = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(model, 6);
        Checkpoint.Save(dir.File("model.safetensors"), model);
        ImageFile.Write(dir.File("image.png"), rand(3, 16, 16) * 2 - 1);
        Npy.WriteFloat32(dir.File("depth.npy"), Enumerable.Repeat(2f, 16 * 16).ToArray(), 16, 16);
    }

    static int ApngFrames(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (int i = 8; i + 8 <= bytes.Length;)
        {
            var len = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i));
            var type = System.Text.Encoding.ASCII.GetString(bytes, i + 4, 4);
            if (type == "acTL") return BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i + 8));
            i += 12 + len;
        }
        return 0;
    }

    [Fact]
    public void Orbit_writes_the_requested_frames()
    {
        using var dir = new TempDir();
        Inputs(dir);
        var common = new[] { "--model", dir.File("model.safetensors"), "--image", dir.File("image.png"), "--depth", dir.File("depth.npy"), "--steps", "2", "--threads", "1", "-q" };
        var r = Run(["orbit", .. common, "--frames", "3", "--yaw-range", "20", "--consistent-noise", "--out", dir.File("orbit.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(3, ApngFrames(dir.File("orbit.png")));

        r = Run(["orbit", .. common, "--frames", "2", "--yaw-range", "20", "--max-step", "5", "--zoom", "2", "--out", dir.File("orbit.gif")]);
        Assert.True(r.Code == 0, r.Err);
        var gif = File.ReadAllBytes(dir.File("orbit.gif"));
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        // The logical screen is the 16 px model output enlarged twice.
        Assert.Equal(32, BinaryPrimitives.ReadUInt16LittleEndian(gif.AsSpan(6)));
        Assert.Contains("2 frames", r.Out);
    }

    [Fact]
    public void Orbit_keeps_no_tensors_per_frame()
    {
        // Frames go to the encoder as they are made: what a run leaves alive (the model, the photo) does not grow with --frames.
        using var dir = new TempDir();
        Inputs(dir);
        long LeftAlive(int frames)
        {
            var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var r = Run("orbit", "--model", dir.File("model.safetensors"), "--image", dir.File("image.png"), "--depth", dir.File("depth.npy"), "--steps", "2",
                "--frames", $"{frames}", "--zoom", "2", "--threads", "1", "-q", "--out", dir.File($"orbit-{frames}.gif"));
            Assert.True(r.Code == 0, r.Err);
            return TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        }
        LeftAlive(2);
        var (two, ten) = (LeftAlive(2), LeftAlive(10));
        Assert.True(ten - two <= 2, $"2 frames left {two} tensors alive, 10 frames {ten}");
    }

    [Fact]
    public void Nvs_writes_source_warped_and_generated_side_by_side()
    {
        using var dir = new TempDir();
        Inputs(dir);
        var r = Run("nvs", "--model", dir.File("model.safetensors"), "--image", dir.File("image.png"), "--depth", dir.File("depth.npy"),
            "--target", "move:0.1,0,0,5,0", "--steps", "2", "--sampler", "euler", "--threads", "1", "-q", "--out", dir.File("nvs.png"));
        Assert.True(r.Code == 0, r.Err);
        // Euler on 2 points with guidance 2: 2 evaluations per step.
        Assert.Contains("NFE 4, 1 semantic-preserver pass,", r.Out);
        var sheet = ImageFile.Read(dir.File("nvs.png"));
        Assert.Equal(16 * 3 + 4 * 2, sheet.shape[2]);
        Assert.True(File.Exists(dir.File("nvs-generated.png")));
    }

    [Fact]
    public void Evaluation_at_a_higher_resolution_upsamples_the_small_models_and_adds_grown_and_composed_rows()
    {
        using var dir = new TempDir();
        Inputs(dir);
        var (teacher, _) = Checkpoint.Load<GenWarpModel>(dir.File("model.safetensors"));
        var oneStep = OneStepGenWarp.FromTeacher(teacher, 20);
        Checkpoint.Save(dir.File("one-step.safetensors"), oneStep);
        Checkpoint.Save(dir.File("grown.safetensors"), oneStep.Grow(levelChannels: 8));
        Checkpoint.Save(dir.File("baseline.safetensors"), new WarpInpaintModel(TinyGenWarp.BaselineConfig));
        var r = Run("genwarp", "eval", "--model", dir.File("model.safetensors"), "--baseline", dir.File("baseline.safetensors"), "--one-step", dir.File("one-step.safetensors"),
            "--grown", dir.File("grown.safetensors"), "--resolution", "32", "--pairs", "2", "--steps", "2", "--depth-model", dir.File("no-depth.safetensors"),
            "--spp", "1", "--threads", "1", "-q", "--out", dir.File("eval"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("pairs at 32px", r.Out);
        var methods = File.ReadAllLines(dir.File("eval/results.csv")).Skip(1).Select(l => l.Split(',')[0]).Distinct().ToList();
        Assert.Equal(["genwarp@16", "genwarp@16+compose", "genwarp-1step@16", "genwarp-1step@16+compose", "genwarp-1step-32", "genwarp-1step-32+compose",
            "warp-inpaint@16", "warp-inpaint@16+compose", "warp+harmonic", "warp+harmonic-far", "warp-only"], methods);
        // Every row was scored on 32-px pairs: the example grids hold 32-px tiles.
        var grid = ImageFile.Read(dir.File("eval/examples-genwarp@16-mid-gt.png"));
        Assert.True(grid.shape[1] >= 32 && (grid.shape[2] - 2) % 34 == 0, $"grid {grid.shape[1]}x{grid.shape[2]}");
    }

    /// <summary>The evaluation inputs, a one-step model distilled from their teacher and a warp-and-inpaint baseline.</summary>
    static void OneStepAndBaseline(TempDir dir)
    {
        Inputs(dir);
        var (teacher, _) = Checkpoint.Load<GenWarpModel>(dir.File("model.safetensors"));
        Checkpoint.Save(dir.File("one-step.safetensors"), OneStepGenWarp.FromTeacher(teacher, 20));
        Checkpoint.Save(dir.File("baseline.safetensors"), new WarpInpaintModel(TinyGenWarp.BaselineConfig));
    }

    [Fact]
    public void Evaluation_composes_with_the_composition_options_and_a_detail_of_zero_is_the_harmonic_fill()
    {
        using var dir = new TempDir();
        OneStepAndBaseline(dir);
        Dictionary<string, string> Rows(string outDir, params string[] extra)
        {
            var r = Run(["genwarp", "eval", "--model", dir.File("model.safetensors"), "--baseline", dir.File("baseline.safetensors"),
                "--one-step", dir.File("one-step.safetensors"), "--pairs", "2", "--steps", "2", "--depth-model", dir.File("no-depth.safetensors"), "--depth", "gt",
                "--spp", "1", "--threads", "1", "-q", "--methods", "genwarp-1step", "genwarp-1step+compose", "warp+harmonic", "warp+harmonic-far", "--out", dir.File(outDir), .. extra]);
            Assert.True(r.Code == 0, r.Err);
            // method,range -> the row's scores (its name and range dropped)
            return File.ReadAllLines(dir.File($"{outDir}/results.csv")).Skip(1).Select(l => l.Split(','))
                .ToDictionary(c => $"{c[0]},{c[1]}", c => string.Join(',', c.Skip(2).SkipLast(2)));
        }
        var shipped = Rows("shipped");
        var harmonicOnly = Rows("d0", "--poisson-detail", "0");
        var plainHarmonic = Rows("d0-plain", "--poisson-detail", "0", "--far-side", "off");
        var seam = Rows("seam", "--poisson-detail", "off");
        foreach (var range in new[] { "mid", "long" })
        {
            // Detail 0: the composed view is the harmonic fill of the same warp, score for score: from the far side as
            // shipped, the plain one with --far-side off.
            Assert.Equal(harmonicOnly[$"warp+harmonic-far,{range}"], harmonicOnly[$"genwarp-1step+compose,{range}"]);
            Assert.Equal(plainHarmonic[$"warp+harmonic,{range}"], plainHarmonic[$"genwarp-1step+compose,{range}"]);
            // The options change the composed rows only.
            Assert.NotEqual(shipped[$"genwarp-1step+compose,{range}"], seam[$"genwarp-1step+compose,{range}"]);
            Assert.NotEqual(shipped[$"genwarp-1step+compose,{range}"], harmonicOnly[$"genwarp-1step+compose,{range}"]);
            foreach (var method in new[] { "genwarp-1step", "warp+harmonic", "warp+harmonic-far" })
                Assert.Equal(shipped[$"{method},{range}"], seam[$"{method},{range}"]);
        }
    }

    [Fact]
    public void Sharded_evaluation_and_merge_write_the_results_of_one_process_byte_for_byte()
    {
        using var dir = new TempDir();
        OneStepAndBaseline(dir);
        string[] Eval(string outDir, params string[] extra) => ["genwarp", "eval", "--model", dir.File("model.safetensors"), "--baseline", dir.File("baseline.safetensors"),
            "--one-step", dir.File("one-step.safetensors"), "--pairs", "5", "--batch", "2", "--steps", "2", "--depth-model", dir.File("no-depth.safetensors"),
            "--spp", "1", "--threads", "1", "-q", "--methods", "genwarp-1step", "genwarp-1step+compose", "warp-only", "--out", dir.File(outDir), .. extra];
        var one = Run(Eval("one"));
        Assert.True(one.Code == 0, one.Err);
        // Three shards (5 pairs in batches of 2: batches 0, 1, 2 per range), run in the "wrong" order, then merged.
        foreach (var i in new[] { 2, 0, 1 })
        {
            var r = Run(Eval("sharded", "--shard", $"{i}/3"));
            Assert.True(r.Code == 0, r.Err);
            Assert.False(File.Exists(dir.File("sharded/results.csv")));
        }
        var merged = Run("genwarp", "eval-merge", "--out", dir.File("sharded"), "-q");
        Assert.True(merged.Code == 0, merged.Err);
        Assert.Equal(File.ReadAllBytes(dir.File("one/results.csv")), File.ReadAllBytes(dir.File("sharded/results.csv")));
        Assert.Equal(File.ReadAllBytes(dir.File("one/examples-genwarp-1step-mid-gt.png")), File.ReadAllBytes(dir.File("sharded/examples-genwarp-1step-mid-gt.png")));
        Assert.Equal(1 + 2 * 3, File.ReadAllLines(dir.File("one/results.csv")).Length); // 3 methods x 2 ranges, one depth table

        // A missing shard is named, not merged into a partial table.
        File.Delete(dir.File("sharded/shard-1-of-3.safetensors"));
        var partial = Run("genwarp", "eval-merge", "--out", dir.File("sharded"), "-q");
        Assert.Equal(1, partial.Code);
        Assert.Contains("not one complete run of 3", partial.Err);
        // A shard of another batch size is not merged either (the batch size is stored in each shard).
        var otherBatch = Eval("sharded", "--shard", "1/3");
        otherBatch[Array.IndexOf(otherBatch, "--batch") + 1] = "3";
        var other = Run(otherBatch);
        Assert.True(other.Code == 0, other.Err);
        var mixed = Run("genwarp", "eval-merge", "--out", dir.File("sharded"), "-q");
        Assert.Equal(1, mixed.Code);
        Assert.Contains("different batch sizes (2, 3", mixed.Err);
    }

    [Fact]
    public void Eval_merge_refuses_shards_of_another_model_or_other_sampling_or_render_settings()
    {
        using var dir = new TempDir();
        Inputs(dir);
        // A second model of the same architecture (and the same file name in another folder): other weights.
        Directory.CreateDirectory(dir.File("other"));
        var twin = new GenWarpModel(TinyGenWarp.Config);
        TinyGenWarp.Randomise(twin, 9);
        Checkpoint.Save(dir.File("other/model.safetensors"), twin);
        Checkpoint.Save(dir.File("baseline.safetensors"), new WarpInpaintModel(TinyGenWarp.BaselineConfig));
        string[] Eval(string outDir, string shard, string model = "model.safetensors", string steps = "2", string spp = "1") =>
            ["genwarp", "eval", "--model", dir.File(model), "--baseline", dir.File("baseline.safetensors"), "--pairs", "2", "--batch", "1", "--steps", steps,
             "--depth-model", dir.File("no-depth.safetensors"), "--spp", spp, "--threads", "1", "-q", "--methods", "genwarp", "--shard", shard, "--out", dir.File(outDir)];
        void Ok(string[] args)
        {
            var r = Run(args);
            Assert.True(r.Code == 0, r.Err);
        }
        string Refused(string outDir)
        {
            var r = Run("genwarp", "eval-merge", "--out", dir.File(outDir), "-q");
            Assert.Equal(1, r.Code);
            Assert.False(File.Exists(dir.File($"{outDir}/results.csv")));
            return r.Err.Trim();
        }
        // A leftover of a killed write (an older version's fixed name, and a temporary file of a process that is gone) goes.
        Directory.CreateDirectory(dir.File("model"));
        File.WriteAllText(dir.File("model/shard-0-of-2.safetensors.tmp"), "partial");
        File.WriteAllText(dir.File($"model/.shard-0-of-2.safetensors.{int.MaxValue - 1}.tmp"), "partial");
        Ok(Eval("model", "0/2"));
        Assert.Equal(["shard-0-of-2.safetensors"], Directory.GetFiles(dir.File("model")).Select(Path.GetFileName).Where(f => !f!.StartsWith("examples-", StringComparison.Ordinal)));
        Ok(Eval("model", "1/2", model: "other/model.safetensors"));
        var model = Refused("model");
        Assert.StartsWith($"error: '{dir.File("model")}': the shards were made with different settings: --model sha256:", model);
        Assert.EndsWith("in shard-1-of-2.safetensors (not one run)", model);

        Ok(Eval("steps", "0/2", steps: "3"));
        Ok(Eval("steps", "1/2"));
        Assert.Equal($"error: '{dir.File("steps")}': the shards were made with different settings: --steps 3 in shard-0-of-2.safetensors, 2 in shard-1-of-2.safetensors (not one run)", Refused("steps"));

        Ok(Eval("spp", "0/2"));
        Ok(Eval("spp", "1/2", spp: "2"));
        Assert.Equal($"error: '{dir.File("spp")}': the shards were made with different settings: --spp 1 in shard-0-of-2.safetensors, 2 in shard-1-of-2.safetensors (not one run)", Refused("spp"));

        // The same settings merge.
        Ok(Eval("spp", "1/2"));
        var merged = Run("genwarp", "eval-merge", "--out", dir.File("spp"), "-q");
        Assert.True(merged.Code == 0, merged.Err);
    }

    [Fact]
    public void A_shard_file_whose_write_fails_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("out"));
        var parts = new List<ShardPart> { new("gt", "mid", 2, "warp-only", 0, 0, []) };
        Checkpoint.BeforeRename = _ => throw new IOException("disk full");
        try { Assert.Throws<IOException>(() => ShardFile.Write(dir.File("out"), new Shard(0, 2), 1, new Dictionary<string, string>(), parts, [])); }
        finally { Checkpoint.BeforeRename = null; }
        Assert.Empty(Directory.GetFiles(dir.File("out")));
    }

    [Fact]
    public void A_one_step_model_is_accepted_where_GenWarp_is_and_refused_where_a_diffusion_model_is_needed()
    {
        using var dir = new TempDir();
        Inputs(dir);
        var (teacher, _) = Checkpoint.Load<GenWarpModel>(dir.File("model.safetensors"));
        Checkpoint.Save(dir.File("one-step.safetensors"), OneStepGenWarp.FromTeacher(teacher, 20));
        var common = new[] { "--model", dir.File("one-step.safetensors"), "--image", dir.File("image.png"), "--depth", dir.File("depth.npy"), "--threads", "1", "-q" };
        var r = Run(["nvs", .. common, "--target", "orbit:5,0,0", "--out", dir.File("nvs.png")]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("NFE 1, 1 semantic-preserver pass,", r.Out);
        r = Run(["orbit", .. common, "--frames", "3", "--out", dir.File("orbit.png")]);
        Assert.True(r.Code == 0, r.Err);
        // The preserver runs once for the sweep: its tokens are cached for the source.
        Assert.Contains("NFE 3 in total, 1 semantic-preserver pass,", r.Out);
        Assert.Equal(3, ApngFrames(dir.File("orbit.png")));

        var baseline = new WarpInpaintModel(TinyGenWarp.BaselineConfig);
        Checkpoint.Save(dir.File("baseline.safetensors"), baseline);
        r = Run("genwarp", "eval", "--model", dir.File("model.safetensors"), "--baseline", dir.File("baseline.safetensors"), "--one-step", dir.File("one-step.safetensors"),
            "--pairs", "2", "--steps", "2", "--depth-model", dir.File("no-depth.safetensors"), "--spp", "1", "--threads", "1", "-q", "--out", dir.File("eval"));
        Assert.True(r.Code == 0, r.Err);
        var csv = File.ReadAllLines(dir.File("eval/results.csv"));
        Assert.Equal(2, csv.Count(l => l.StartsWith("genwarp-1step,", StringComparison.Ordinal)));
        Assert.Contains("genwarp-1step: NFE 2 per view", r.Out); // the generator and the semantic preserver

        r = Run("diffusion", "sample", "--model", dir.File("one-step.safetensors"), "--count", "1", "--threads", "1", "-q", "--out", dir.File("samples"));
        Assert.Equal(1, r.Code);
        Assert.Contains("'genwarp-1step'", r.Err);
        r = Run("genwarp", "pairs", "--teacher", dir.File("one-step.safetensors"), "--count", "1", "-q", "--out", dir.File("pairs"));
        Assert.Equal(1, r.Code);
        Assert.Contains("'genwarp-1step'", r.Err);
    }
}
