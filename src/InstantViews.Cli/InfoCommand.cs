using System.CommandLine;
using System.Reflection;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews info`: versions, threads, device, CPU features and a measured matmul rate.</summary>
public static class InfoCommand
{
    public static Command Build()
    {
        var seconds = new Option<double>("--seconds") { Description = "Duration of the matmul measurement", DefaultValueFactory = _ => 1.0 };
        var cmd = new Command("info", "Print versions, threads, device, CPU features and the measured fp32 matmul rate (GFLOP/s)") { seconds };
        Cli.SetAction(cmd, (parse, ctx) =>
        {
            var own = typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
            var torchAsm = typeof(TorchSharp.torch).Assembly;
            var torchVer = torchAsm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                           ?? torchAsm.GetName().Version?.ToString() ?? "?";
            Console.WriteLine($"InstantViews  {own.Split('+')[0]}");
            Console.WriteLine($".NET          {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
            Console.WriteLine($"TorchSharp    {torchVer.Split('+')[0]}");
            Console.WriteLine($"libtorch      {TorchRuntime.LibTorchVersion()}");
            Console.WriteLine($"threads       {ctx.Threads} of {Environment.ProcessorCount} cores");
            Console.WriteLine($"device        {ctx.Device}");
            Console.WriteLine($"CPU features  {TorchRuntime.CpuFeatures()}");
            var gflops = TorchRuntime.MeasureMatmulGflops(parse.GetValue(seconds));
            Console.WriteLine($"matmul fp32   {gflops:0.0} GFLOP/s (1024x1024, measured)");
            return 0;
        });
        return cmd;
    }
}
