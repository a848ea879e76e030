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
}
