using InstantViews.Geometry;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>The shipped depth network (models/depth.safetensors) or any depth checkpoint ("depth-resnet" v2, "depth-unet" v1).</summary>
public sealed class BuiltinDepth : IDepthEstimator
{
    public const string ShippedFile = "depth.safetensors";

    public IDepthNetwork Net { get; }
    public string Description { get; }

    public BuiltinDepth(IDepthNetwork net, string description = "built-in depth")
    {
        Net = net;
        ((nn.Module)net).eval();
        Description = $"{description} ({net.Summary})";
    }

    /// <summary>Loads a depth checkpoint; a missing or foreign file is a one-line error.</summary>
    public static BuiltinDepth Load(string path, Device? device = null)
    {
        if (!File.Exists(path)) throw new UserError($"'{path}': depth model not found");
        var (module, header) = Checkpoint.Load(path, device);
        if (module is not IDepthNetwork net)
        {
            module.Dispose();
            throw new UserError($"'{path}': a {header.Kind} model, not a depth network (depth-resnet or depth-unet)");
        }
        return new BuiltinDepth(net, $"'{Path.GetFileName(path)}'");
    }

    /// <summary>The shipped model: the first models/depth.safetensors in the model search order (<see cref="ModelFiles"/>).</summary>
    public static string? FindShipped() => ModelFiles.Find(ShippedFile);

    public static BuiltinDepth LoadShipped(Device? device = null) =>
        Load(FindShipped() ?? throw new UserError($"built-in depth model not found: no {ShippedFile} in --models, INSTANTVIEWS_MODELS, the program's models/ or a models/ folder above the working folder"), device);

    public int? NativeLongSide => Net.OutputLongSide;

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        var device = ((nn.Module)Net).parameters().First().device;
        return Net.Predict(rgb.to(device), camera is null ? null : camera.Fx / camera.Width).cpu();
    }
}
