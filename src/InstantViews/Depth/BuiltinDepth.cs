using InstantViews.Geometry;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>The shipped depth network (models/depth.safetensors) or any checkpoint of kind "depth-unet".</summary>
public sealed class BuiltinDepth : IDepthEstimator
{
    public const string ShippedFile = "depth.safetensors";

    public DepthNet Net { get; }
    public string Description { get; }

    public BuiltinDepth(DepthNet net, string description = "built-in depth-unet")
    {
        Net = net;
        Net.eval();
        Description = $"{description} ({net.Cfg.Resolution} px wide, {net.ParameterCount / 1e6:0.00}M parameters)";
    }

    /// <summary>Loads a depth checkpoint; a missing or foreign file is a one-line error.</summary>
    public static BuiltinDepth Load(string path, Device? device = null)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': depth model not found");
        var (net, _) = Checkpoint.Load<DepthNet>(path, device);
        return new BuiltinDepth(net, $"depth-unet '{Path.GetFileName(path)}'");
    }

    /// <summary>The shipped model: the first models/depth.safetensors in the model search order (<see cref="ModelFiles"/>).</summary>
    public static string? FindShipped() => ModelFiles.Find(ShippedFile);

    public static BuiltinDepth LoadShipped(Device? device = null) =>
        Load(FindShipped() ?? throw new UserError($"built-in depth model not found: no {ShippedFile} in --models, INSTANTVIEWS_MODELS, the program's models/ or a models/ folder above the working folder"), device);

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        var device = Net.parameters().First().device;
        return Net.Predict(rgb.to(device)).cpu();
    }
}
