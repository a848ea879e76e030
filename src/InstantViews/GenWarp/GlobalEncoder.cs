using InstantViews.Metrics;
using InstantViews.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.GenWarp;

/// <summary>
/// The global source embedding: one context token [N, 1, ContextDim] per image, from a small learned encoder
/// or from the frozen ResNet-18's pooled features (the stand-in for the released model's CLIP image token).
/// </summary>
public sealed class GlobalEncoder : nn.Module<Tensor, Tensor>
{
    // Held outside the module tree: frozen, loaded from the ONNX package, never saved in checkpoints.
    readonly Lazy<ResNet18Features>? resnet;
    readonly ModuleList<Conv2d> convs = new();
    readonly Linear projection;
    public GlobalEmbeddingKind Kind { get; }

    public GlobalEncoder(GlobalEmbeddingKind kind, int[] widths, int contextDim) : base(nameof(GlobalEncoder))
    {
        Kind = kind;
        int features;
        if (kind == GlobalEmbeddingKind.ResNet18)
        {
            resnet = new Lazy<ResNet18Features>(() =>
            {
                var net = new ResNet18Features();
                net.eval();
                return net;
            });
            features = ResNet18Features.PooledDim;
        }
        else
        {
            var ch = 3;
            foreach (var w in widths)
            {
                convs.Add(Layers.Conv2d(ch, w, 3, stride: 2, padding: 1));
                ch = w;
            }
            features = ch;
        }
        projection = Layers.Linear(features, contextDim);
        RegisterComponents();
    }

    /// <summary>RGB [N, 3, H, W] in [-1, 1] -> context tokens [N, 1, ContextDim].</summary>
    public override Tensor forward(Tensor rgb)
    {
        Tensor pooled;
        if (resnet is not null)
        {
            var net = resnet.Value;
            net.to(rgb.device);
            using (no_grad()) pooled = net.forward(PerceptualDistance.Upsample(rgb, 64)).Pooled.detach();
        }
        else
        {
            var h = rgb;
            foreach (var c in convs) h = F.silu(c.forward(h));
            pooled = h.mean([2, 3]);
        }
        return projection.forward(pooled).unsqueeze(1);
    }
}
