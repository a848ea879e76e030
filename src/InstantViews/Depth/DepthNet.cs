using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// RGB [N, 3, H, W] in [-1, 1] -> log metric depth [N, H, W]. The U-Net's noise input is unused (held at 0):
/// the same blocks as the diffusion models, without a noise level.
/// </summary>
[ModelKind("depth-unet", typeof(DepthNetConfig))]
public sealed class DepthNet : nn.Module<Tensor, Tensor>, ICheckpointable, IDepthNetwork
{
    public DepthNetConfig Cfg { get; }
    public string Kind => "depth-unet";
    public object Config => Cfg;

    readonly UNet unet;

    public DepthNet(DepthNetConfig config) : base(nameof(DepthNet))
    {
        Cfg = config;
        unet = new UNet(config.ToUNet());
        RegisterComponents();
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    public int OutputLongSide => Cfg.Resolution;

    public string Summary => $"depth-unet, {Cfg.Resolution} px wide, {ParameterCount / 1e6:0.00}M parameters";

    public long ForwardFlops(int height, int width) => unet.ForwardFlops(height, width);

    /// <summary>Log-depth [N, H, W]; H and W must be multiples of <see cref="DepthNetConfig.SizeMultiple"/>.</summary>
    public override Tensor forward(Tensor rgb)
    {
        var noise = zeros(rgb.shape[0], device: rgb.device);
        return unet.Forward(rgb, noise).squeeze(1) + Cfg.LogDepthOffset;
    }

    /// <summary>The network's input size for an image of <paramref name="height"/> x <paramref name="width"/>: width = Resolution, aspect kept.</summary>
    public (int Height, int Width) InputSize(int height, int width)
    {
        var m = Cfg.SizeMultiple;
        var h = (int)Math.Round((double)height / width * Cfg.Resolution / m) * m;
        return (Math.Max(m, h), Cfg.Resolution);
    }

    /// <summary>Metric depth [H, W] for one image [3, H, W] in [-1, 1], at the image's own size (trained at one field of view: the focal length is not used).</summary>
    public Tensor Predict(Tensor rgb, double? focalRatio = null) =>
        DepthPrediction.AtPhotoSize(rgb, InputSize((int)rgb.shape[1], (int)rgb.shape[2]), forward);
}
