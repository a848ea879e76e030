using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Which ResNet-18 stages to compare (0 = stem ... 4 = layer4) and the size small images are upsampled to.</summary>
public sealed record PerceptualConfig(int[]? Stages = null, int MinSize = 224)
{
    public int[] StagesOrAll => Stages ?? [0, 1, 2, 3, 4];
}

/// <summary>
/// LPIPS-form distance without learned weights (PaGoDA's reconstruction loss, arXiv 2405.14822): for each chosen
/// stage of the frozen ResNet-18, the mean over pixels of ||f(a)/|f(a)| - f(b)/|f(b)|||^2 (norms over
/// channels), summed over stages. Differentiable in both inputs; images smaller than MinSize are upsampled
/// (bilinear, keeping the aspect ratio) so the deep stages still see a spatial map.
/// </summary>
public sealed class PerceptualDistance(ResNet18Features net, PerceptualConfig? config = null)
{
    const double Eps = 1e-10;
    public PerceptualConfig Config { get; } = config ?? new PerceptualConfig();
    public ResNet18Features Network { get; } = net;

    /// <summary>Distance per image, [N], for RGB images [N,3,H,W] in [-1, 1].</summary>
    public Tensor Compute(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"shapes differ: [{string.Join(",", a.shape)}] vs [{string.Join(",", b.shape)}]");
        var n = a.shape[0];
        // One forward pass for both sides.
        var f = Network.forward(Upsample(cat([a, b]), Config.MinSize));
        var d = zeros(n, dtype: a.dtype, device: a.device);
        foreach (var s in Config.StagesOrAll)
        {
            var fs = f.Stages[s];
            var unit = fs.div(fs.square().sum(1, keepdim: true).add(Eps).sqrt());
            d = d.add(unit[..(int)n].sub(unit[(int)n..]).square().sum(1).mean([1, 2]));
        }
        return d;
    }

    /// <summary>Upsamples so the shorter side is at least <paramref name="minSize"/>; larger images pass unchanged.</summary>
    public static Tensor Upsample(Tensor x, int minSize)
    {
        var (h, w) = (x.shape[2], x.shape[3]);
        var shorter = Math.Min(h, w);
        if (shorter >= minSize) return x;
        var scale = (double)minSize / shorter;
        return Resize.To(x, (int)Math.Round(h * scale), (int)Math.Round(w * scale), ResizeFilter.Bilinear);
    }
}
