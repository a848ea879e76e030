using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Depth;

/// <summary>
/// Built-in depth v2: RGB [N, 3, H, W] in [-1, 1] (sides multiples of 32) -> log metric depth [N, H/2, W/2].
/// An ImageNet ResNet encoder (<see cref="ResNetEncoder"/>) and a decoder that, from /32 up to /2, convolves,
/// doubles the size and joins the encoder's output at that size (monodepth2's decoder, ELU activations).
/// </summary>
[ModelKind("depth-resnet", typeof(DepthResNetConfig))]
public sealed class DepthResNet : nn.Module<Tensor, Tensor>, ICheckpointable, IDepthNetwork
{
    public DepthResNetConfig Cfg { get; }
    public string Kind => "depth-resnet";
    public object Config => Cfg;
    public ResNetEncoder Encoder => encoder;

    /// <summary>While true the encoder runs without gradients (the first phase of training).</summary>
    public bool EncoderFrozen { get; set; }

    readonly ResNetEncoder encoder;
    readonly ModuleList<Conv2d> reduce = new(), fuse = new();
    readonly Conv2d head;

    public DepthResNet(DepthResNetConfig config) : base(nameof(DepthResNet))
    {
        Cfg = config;
        if (config.DecoderChannels.Length != 4) throw new ArgumentException("the decoder needs channels for /2, /4, /8 and /16");
        encoder = new ResNetEncoder(config.BlocksPerStage);
        var skips = ResNetEncoder.StageChannels;
        var inC = skips[4];
        for (int level = 3; level >= 0; level--)
        {
            var c = config.DecoderChannels[level];
            reduce.Add(Layers.Conv2d(inC, c, 3, padding: 1));
            fuse.Add(Layers.Conv2d(c + skips[level], c, 3, padding: 1));
            inC = c;
        }
        head = Layers.Conv2d(inC, 1, 3, padding: 1);
        using (no_grad())
        {
            head.weight!.zero_();
            head.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>A new network whose encoder starts from the imported ImageNet ResNet-18.</summary>
    public static DepthResNet FromImageNet(DepthResNetConfig config)
    {
        var net = new DepthResNet(config);
        net.encoder.LoadImageNet(ResNet18Weights.Load());
        return net;
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    public int OutputLongSide => Cfg.InputLongSide / 2;

    public string Summary => $"depth-resnet, {Cfg.InputLongSide} px long side, {ParameterCount / 1e6:0.00}M parameters";

    public override Tensor forward(Tensor rgb)
    {
        if (rgb.dim() != 4 || rgb.shape[1] != 3 || rgb.shape[2] % DepthResNetConfig.SizeMultiple != 0 || rgb.shape[3] % DepthResNetConfig.SizeMultiple != 0)
            throw new ArgumentException($"depth-resnet expects [N,3,H,W] with H and W multiples of {DepthResNetConfig.SizeMultiple}, got [{string.Join(",", rgb.shape)}]");
        Tensor[] f;
        if (EncoderFrozen)
        {
            using var noGrad = no_grad();
            f = encoder.forward(rgb);
        }
        else f = encoder.forward(rgb);
        var x = f[4];
        for (int i = 0; i < 4; i++)
        {
            x = F.elu(reduce[i].forward(x), 1.0);
            x = F.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Nearest);
            x = F.elu(fuse[i].forward(cat([x, f[3 - i]], 1)), 1.0);
        }
        return head.forward(x).squeeze(1) + Cfg.LogDepthOffset;
    }

    /// <summary>The network's input size for an image of <paramref name="height"/> x <paramref name="width"/>: long side InputLongSide, aspect kept, multiples of 32.</summary>
    public (int Height, int Width) InputSize(int height, int width)
    {
        const int m = DepthResNetConfig.SizeMultiple;
        var scale = (double)Cfg.InputLongSide / Math.Max(height, width);
        return (Math.Max(m, (int)Math.Round(height * scale / m) * m), Math.Max(m, (int)Math.Round(width * scale / m) * m));
    }

    public Tensor Predict(Tensor rgb, double? focalRatio = null)
    {
        var depth = DepthPrediction.AtPhotoSize(rgb, InputSize((int)rgb.shape[1], (int)rgb.shape[2]), forward);
        // With a canonical camera the network saw depths as that camera would: a longer lens puts the same picture farther.
        if (Cfg.CanonicalFocal is not { } canonical || focalRatio is not { } f) return depth;
        using (depth) return depth * (f / canonical);
    }
}
