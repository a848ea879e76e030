namespace InstantViews.Tests.Cli;

[Collection("console")]
public class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Usage_error_exits_2()
    {
        Assert.Equal(2, Run("no-such-verb").Code);
        Assert.Equal(2, Run("info", "--threads", "many").Code);
    }

    [Fact]
    public void Info_exits_0_and_prints_positive_gflops()
    {
        var (code, output, _) = Run("info", "--seconds", "0.2");
        Assert.Equal(0, code);
        var line = output.Split('\n').Single(l => l.StartsWith("matmul fp32"));
        var gflops = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(gflops > 0.1, line);
        Assert.Contains("libtorch", output);
    }

    [Fact]
    public void Cuda_without_cuda_build_is_a_runtime_error()
    {
        var (code, _, err) = Run("info", "--device", "cuda", "--seconds", "0.05");
        Assert.Equal(1, code);
        Assert.Contains("no CUDA support", err);
    }

    [Fact]
    public void Checkpoint_export_writes_a_model_only_fp16_copy()
    {
        using var dir = new TempDir();
        TorchSharp.torch.random.manual_seed(3);
        var net = new InstantViews.Tests.Runtime.TinyNet(new InstantViews.Tests.Runtime.TinyConfig());
        using var state = TorchSharp.torch.ones(2);
        InstantViews.Runtime.Checkpoint.Save(dir.File("full.safetensors"), net, step: 9, extra: [new("adam/m/x", state)]);
        var (code, output, err) = Run("checkpoint", "export", "--in", dir.File("full.safetensors"), "--out", dir.File("small.safetensors"), "--fp16");
        Assert.True(code == 0, err);
        Assert.Contains("fp16", output);
        var (header, tensors) = InstantViews.Runtime.Checkpoint.ReadAll(dir.File("small.safetensors"));
        Assert.Equal(9, header.Step);
        Assert.DoesNotContain(tensors, t => t.Key.Contains('/'));
        Assert.All(tensors, t => Assert.Equal(TorchSharp.torch.ScalarType.Float16, t.Value.dtype));
        Assert.Equal(1, Run("checkpoint", "info", "--in", dir.File("missing.safetensors")).Code);
    }

    [Fact]
    public void Checkpoint_export_records_a_one_step_models_noise_scale_and_refuses_it_for_other_kinds()
    {
        using var dir = new TempDir();
        TorchSharp.torch.random.manual_seed(3);
        var g = new InstantViews.OneStep.OneStepGenWarp(new InstantViews.OneStep.OneStepGenWarpConfig { Model = InstantViews.Tests.GenWarp.TinyGenWarp.Config, SigmaMax = 20 });
        InstantViews.Runtime.Checkpoint.Save(dir.File("g.safetensors"), g, sampling: new InstantViews.Runtime.SamplingDefaults { SigmaMax = 20, Steps = 1 });
        var (code, _, err) = Run("checkpoint", "export", "--in", dir.File("g.safetensors"), "--out", dir.File("g16.safetensors"), "--fp16", "--noise-scale", "0.25");
        Assert.True(code == 0, err);
        Assert.Equal(new InstantViews.Runtime.SamplingDefaults { SigmaMax = 20, Steps = 1, NoiseScale = 0.25 }, InstantViews.Runtime.Checkpoint.ReadHeader(dir.File("g16.safetensors")).Sampling);
        var net = new InstantViews.Tests.Runtime.TinyNet(new InstantViews.Tests.Runtime.TinyConfig());
        InstantViews.Runtime.Checkpoint.Save(dir.File("net.safetensors"), net);
        (code, _, err) = Run("checkpoint", "export", "--in", dir.File("net.safetensors"), "--out", dir.File("net16.safetensors"), "--noise-scale", "0.25");
        Assert.Equal(1, code);
        Assert.Contains("--noise-scale is for one-step models (genwarp-1step)", err);
        Assert.False(File.Exists(dir.File("net16.safetensors")));
        Assert.Equal(2, Run("checkpoint", "export", "--in", dir.File("g.safetensors"), "--out", dir.File("g2.safetensors"), "--noise-scale", "1.5").Code);
    }

    [Fact]
    public void Checkpoint_export_refuses_lossy_weights_unless_allowed_and_then_reports_the_counts()
    {
        using var dir = new TempDir();
        TorchSharp.torch.random.manual_seed(4);
        var net = new InstantViews.Tests.Runtime.TinyNet(new InstantViews.Tests.Runtime.TinyConfig());
        using (TorchSharp.torch.no_grad())
        {
            var w = net.state_dict()["conv2.weight"];
            w[0, 0, 0, 0] = TorchSharp.torch.tensor(1e6f);
            w[0, 0, 0, 1] = TorchSharp.torch.tensor(float.PositiveInfinity);
        }
        InstantViews.Runtime.Checkpoint.Save(dir.File("full.safetensors"), net);
        var (code, _, err) = Run("checkpoint", "export", "--in", dir.File("full.safetensors"), "--out", dir.File("fp32.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("1 NaN or infinite value in 1 tensor, first 'conv2.weight'; --allow-lossy exports anyway", err);
        Assert.False(File.Exists(dir.File("fp32.safetensors")));
        (code, var output, err) = Run("checkpoint", "export", "--in", dir.File("full.safetensors"), "--out", dir.File("half.safetensors"), "--fp16", "--allow-lossy");
        Assert.True(code == 0, err);
        Assert.Equal("warning: exported anyway: 1 value beyond fp16's range ±65504 (stored as infinite) and 1 NaN or infinite value in 1 tensor, first 'conv2.weight'", err.Trim());
        Assert.Contains("fp16", output);
        var (_, tensors) = InstantViews.Runtime.Checkpoint.ReadAll(dir.File("half.safetensors"));
        Assert.Equal(2, tensors.Single(t => t.Key == "conv2.weight").Value.isinf().sum().item<long>());

        // Values below fp16's smallest step round to 0 as in any fp16 conversion: exported, with their count.
        var tiny = new InstantViews.Tests.Runtime.TinyNet(new InstantViews.Tests.Runtime.TinyConfig());
        using (TorchSharp.torch.no_grad())
        {
            var w = tiny.state_dict()["conv2.weight"];
            w[0, 0, 0, 0] = TorchSharp.torch.tensor(1e-9f);
            w[0, 0, 0, 1] = TorchSharp.torch.tensor(-1e-10f);
        }
        InstantViews.Runtime.Checkpoint.Save(dir.File("tiny.safetensors"), tiny);
        (code, _, err) = Run("checkpoint", "export", "--in", dir.File("tiny.safetensors"), "--out", dir.File("tiny16.safetensors"), "--fp16");
        Assert.True(code == 0, err);
        Assert.Equal("note: 2 nonzero weights below fp16's smallest value 2^-24 stored as 0", err.Trim());
    }
}
