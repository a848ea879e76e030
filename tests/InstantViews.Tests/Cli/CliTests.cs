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
}
