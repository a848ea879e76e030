using InstantViews.Nn;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.GenWarp;

/// <summary>
/// The pose guider: a small stride-1 CNN from a coordinate embedding (11 channels) to the U-Net's first feature
/// map, ADDED after its input conv. The last conv is zero-initialised so a fresh guider leaves the U-Net unchanged.
/// </summary>
public sealed class PoseGuider : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<Conv2d> convs = new();

    public PoseGuider(int[] widths, int outChannels) : base(nameof(PoseGuider))
    {
        var ch = CoordinateEmbedding.Channels;
        foreach (var w in widths)
        {
            convs.Add(Layers.Conv2d(ch, w, 3, padding: 1));
            ch = w;
        }
        convs.Add(Layers.Zero(Layers.Conv2d(ch, outChannels, 3, padding: 1)));
        RegisterComponents();
    }

    /// <summary>[N, 11, H, W] -> [N, outChannels, H, W].</summary>
    public override Tensor forward(Tensor embedding)
    {
        var h = embedding;
        for (int i = 0; i < convs.Count - 1; i++) h = F.silu(convs[i].forward(h));
        return convs[^1].forward(h);
    }
}
