using InstantViews.Diffusion;
using InstantViews.Tests.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Diffusion;

[Collection("global-rng")]
public class TrainerTests
{
    public TrainerTests() => TestTorch.Init();

    static FolderTrainingImages Data()
    {
        // Four fixed 8x8 images: smooth gradients in different directions.
        var g = linspace(-1, 1, 8);
        var imgs = stack(new[]
        {
            g.view(1, 1, 8).expand(3, 8, 8), g.view(1, 8, 1).expand(3, 8, 8),
            -g.view(1, 1, 8).expand(3, 8, 8), (g.view(1, 8, 1) * g.view(1, 1, 8)).expand(3, 8, 8),
        }).contiguous();
        return new FolderTrainingImages(imgs.DetachFromDisposeScope(), seed: 1);
    }

    static TrainConfig Cfg => new() { BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 10, LogEvery = 10, SampleEvery = 0, CheckpointEvery = 1000, SampleCount = 4, SampleSteps = 4, Seed = 7 };

    [Fact]
    public void Training_lowers_the_loss()
    {
        using var dir = new TempDir();
        var t = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg, Data(), dir.Path);
        var first = Enumerable.Range(0, 20).Select(_ => t.TrainStep()).Average();
        for (int i = 0; i < 200; i++) t.TrainStep();
        var last = Enumerable.Range(0, 20).Select(_ => t.TrainStep()).Average();
        Assert.True(last < 0.6 * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void Resume_continues_bit_exact()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var straight = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg, Data(), a.Path);
        for (int i = 0; i < 10; i++) straight.TrainStep();
        var expected = Enumerable.Range(0, 5).Select(_ => straight.TrainStep()).ToArray();

        var first = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg, Data(), b.Path);
        for (int i = 0; i < 10; i++) first.TrainStep();
        first.SaveCheckpoint();
        var resumed = DiffusionTrainer.Resume(b.Path, Data());
        Assert.Equal(10, resumed.Step);
        var actual = Enumerable.Range(0, 5).Select(_ => resumed.TrainStep()).ToArray();
        Assert.Equal(expected, actual);
        Assert.True(File.Exists(Path.Combine(b.Path, "model.safetensors")));
    }

    // The loss log without its wall-clock columns (throughput, elapsed time).
    static string[] LoggedLosses(string dir) => File.ReadAllLines(Path.Combine(dir, "loss.csv")).Select(l => string.Join(",", l.Split(',')[..3])).ToArray();

    [Fact]
    public void A_run_stopped_in_mid_interval_and_resumed_logs_the_rows_of_a_straight_run()
    {
        using var dir = new TempDir();
        var cfg = Cfg with { LogEvery = 4 };
        DiffusionTrainer.Create(UNetTests.Tiny(), cfg, Data(), dir.File("straight")).Run(8, null);
        // Stopped at step 3 (--steps 3, or Ctrl-C): the row of steps 1-4 spans the stop.
        DiffusionTrainer.Create(UNetTests.Tiny(), cfg, Data(), dir.File("stopped")).Run(3, null);
        DiffusionTrainer.Resume(dir.File("stopped"), Data()).Run(8, null);
        Assert.Equal(3, LoggedLosses(dir.File("straight")).Length);
        Assert.Equal(LoggedLosses(dir.File("straight")), LoggedLosses(dir.File("stopped")));
    }

    [Fact]
    public void A_new_run_that_diverges_before_its_first_checkpoint_says_so_and_leaves_nothing()
    {
        using var dir = new TempDir();
        var run = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg with { LearningRate = 1e30 }, Data(), dir.File("runs/new"));
        var e = Assert.Throws<InstantViews.Runtime.UserError>(() => run.Run(20, null));
        Assert.Matches("^training diverged at step [0-9]+ \\(loss [^)]*\\); no checkpoint was written, so nothing of the run is left in '.*runs/new': start again with a lower --lr$", e.Message);
        Assert.False(Directory.Exists(dir.File("runs")));

        // With a checkpoint, the message names it and the run stays.
        var kept = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg with { LearningRate = 1e30 }, Data(), dir.File("kept"));
        kept.SaveCheckpoint();
        e = Assert.Throws<InstantViews.Runtime.UserError>(() => kept.Run(20, null));
        Assert.EndsWith($"the last checkpoint in '{dir.File("kept")}' (step 0) is kept: resume with a lower --lr", e.Message);
        Assert.True(File.Exists(dir.File("kept/checkpoint.safetensors")) && File.Exists(dir.File("kept/train.json")));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_training_steps()
    {
        using var dir = new TempDir();
        var t = DiffusionTrainer.Create(UNetTests.Tiny(), Cfg, Data(), dir.Path);
        for (int i = 0; i < 5; i++) t.TrainStep();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 100; i++) t.TrainStep();
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before <= 2);
    }

    [Fact]
    public void A_loss_log_from_an_older_version_is_rewritten_in_the_new_columns_on_resume()
    {
        using var dir = new TempDir();
        var path = dir.File("loss.csv");
        File.WriteAllText(path, "step,reconstruction,adversarial_g\n10,0.5,1.25\n20,0.25,2\n30,0.125,3\n");
        new InstantViews.Training.LossLog(path, "step,reconstruction,distillation,adversarial_g").TruncateAfter(20);
        // Matched by name, the missing column is 0, rows after the resumed step are gone.
        Assert.Equal(["step,reconstruction,distillation,adversarial_g", "10,0.5,0,1.25", "20,0.25,0,2"], File.ReadAllLines(path));
        // A log already in the columns only loses the later rows.
        new InstantViews.Training.LossLog(path, "step,reconstruction,distillation,adversarial_g").TruncateAfter(10);
        Assert.Equal(["step,reconstruction,distillation,adversarial_g", "10,0.5,0,1.25"], File.ReadAllLines(path));
    }
}
