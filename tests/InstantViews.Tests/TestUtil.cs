using InstantViews.Runtime;

namespace InstantViews.Tests;

/// <summary>A temporary folder deleted at the end of a test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("iv-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

static class TestTorch
{
    static TestTorch() => TorchRuntime.EnsureLoaded();
    public static void Init() { }
}

static class TensorAssert
{
    public static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}

/// <summary>CLI tests redirect the console and change global torch settings (threads): they run alone.</summary>
[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>Runs the CLI in-process with the console captured.</summary>
static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var oldOut = Console.Out;
        var oldErr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (InstantViews.Cli.Cli.Run(args), o.ToString(), e.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}

/// <summary>Tests whose results depend on the global torch RNG (seeded model initialisation) run alone.</summary>
[CollectionDefinition("global-rng", DisableParallelization = true)]
public sealed class GlobalRngCollection;

/// <summary>Element-wise comparison within an absolute tolerance, for Assert.Equal on float and double sequences.</summary>
sealed class Tolerance(double tolerance) : IEqualityComparer<float>, IEqualityComparer<double>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(float v) => 0;
    public int GetHashCode(double v) => 0;
}
