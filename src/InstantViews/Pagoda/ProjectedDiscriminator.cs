using InstantViews.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Pagoda;

/// <summary>
/// "Projected GAN" discriminator: frozen pretrained ResNet-18 features at several scales, each read by a small
/// trainable conv head that outputs a logit map; the logit of an image is the sum over heads of the mean logit.
/// Images smaller than <see cref="FeatureSize"/> are upsampled first so the deep stages keep a spatial map.
/// A conditioned discriminator (<see cref="Conditioned"/>) judges an image together with a condition image of the
/// same size (one-step GenWarp: the forward-warped source): each head reads the image's features concatenated with
/// the condition's features at that stage, so "real" means "a plausible view that agrees with this warp".
/// </summary>
public sealed class ProjectedDiscriminator : GanDiscriminator
{
    static readonly int[] DefaultStages = [1, 2, 3, 4];
    readonly ModuleList<Sequential> heads = new();
    readonly int[] stages;
    [NonSerialized] readonly ResNet18Features features;
    public int FeatureSize { get; }
    readonly bool conditioned;
    public override bool Conditioned => conditioned;

    public ProjectedDiscriminator(ResNet18Features features, int featureSize = 64, int headChannels = 64, int[]? stages = null, bool conditioned = false)
        : base(nameof(ProjectedDiscriminator))
    {
        this.features = features;
        this.stages = stages ?? DefaultStages;
        FeatureSize = featureSize;
        this.conditioned = conditioned;
        foreach (var s in this.stages)
        {
            var c = ResNet18Features.StageChannels[s];
            heads.Add(nn.Sequential(
                nn.Conv2d(conditioned ? 2 * c : c, headChannels, 3, padding: 1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(headChannels, 1, 1)));
        }
        RegisterComponents();
    }

    /// <summary>
    /// Logits [N] for images [N,3,H,W] in [-1, 1]; <paramref name="condition"/> [N,3,H,W] is required by a
    /// conditioned discriminator and refused by an unconditioned one. The frozen features of the condition carry no gradient.
    /// </summary>
    public override Tensor Logits(Tensor x, Tensor? condition)
    {
        CheckCondition(x, condition);
        var f = features.forward(PerceptualDistance.Upsample(x, FeatureSize));
        ResNetFeatures? fc = null;
        if (condition is not null)
            using (no_grad()) fc = features.forward(PerceptualDistance.Upsample(condition, FeatureSize));
        var logits = zeros(x.shape[0], device: x.device);
        for (int i = 0; i < stages.Length; i++)
        {
            var input = fc is null ? f.Stages[stages[i]] : cat([f.Stages[stages[i]], fc.Stages[stages[i]]], 1);
            logits = logits + heads[i].forward(input).mean([1, 2, 3]);
        }
        return logits;
    }
}

/// <summary>The GAN losses of PaGoDA stage 2/3 and its adaptive weight (Kim et al., NeurIPS 2024, arXiv 2405.14822; docs/pagoda.md).</summary>
public static class GanLosses
{
    /// <summary>L_D = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))].</summary>
    public static Tensor DiscriminatorHinge(Tensor realLogits, Tensor fakeLogits) =>
        F.relu(1 - realLogits).mean() + F.relu(1 + fakeLogits).mean();

    /// <summary>L_G = -E[D(G(z))].</summary>
    public static Tensor GeneratorHinge(Tensor fakeLogits) => -fakeLogits.mean();

    /// <summary>
    /// Which patches of a patch map [N,1,h,w] hold a hole: 1 where any pixel of the patch's cell of the hole mask
    /// [N,1,H,W] (1 = hole) is a hole (adaptive max pooling), else 0.
    /// </summary>
    public static Tensor HolePatches(Tensor holes, long height, long width) =>
        F.adaptive_max_pool2d(holes.gt(0.5f).to_type(ScalarType.Float32), [height, width]);

    /// <summary>
    /// The hinge loss of a discriminator judged per patch on views with holes (LaMa's adversarial loss, Suvorov et al.
    /// 2022): every patch of a real image is real; of a generated view, the patches over its holes
    /// (<paramref name="fakeHoles"/> [N,1,h,w], 1 = hole) are fake and the rest, which the generator reproduces from the
    /// warped source, real:
    /// L_D = E[relu(1 - D(x))] + E[m relu(1 + D(G)) + (1 - m) relu(1 - D(G))] over patches.
    /// </summary>
    public static Tensor PatchDiscriminatorHinge(Tensor realPatches, Tensor fakePatches, Tensor fakeHoles) =>
        F.relu(1 - realPatches).mean() + (fakeHoles * F.relu(1 + fakePatches) + (1 - fakeHoles) * F.relu(1 - fakePatches)).mean();

    /// <summary>L_G = -(sum of m D(G)) / (sum of m): the generated view's hole patches only (0 when it has none).</summary>
    public static Tensor PatchGeneratorHinge(Tensor fakePatches, Tensor fakeHoles) =>
        -(fakeHoles * fakePatches).sum() / fakeHoles.sum().clamp_min(1);

    /// <summary>lambda = clip(||grad_W L_rec|| / (||grad_W L_G|| + 1e-4), 0.01, 10), gradients at the last layer's weight W.</summary>
    public static double AdaptiveWeight(Tensor reconstruction, Tensor adversarial, Tensor lastWeight)
    {
        using var scope = NewDisposeScope();
        var gRec = torch.autograd.grad([reconstruction], [lastWeight], retain_graph: true)[0];
        var gAdv = torch.autograd.grad([adversarial], [lastWeight], retain_graph: true)[0];
        var ratio = gRec.norm().item<float>() / (gAdv.norm().item<float>() + 1e-4);
        return Math.Clamp(ratio, 0.01, 10);
    }
}

/// <summary>
/// Differentiable augmentation applied identically to two images (PaGoDA applies the same random colour,
/// translation and cutout to G(z_x) and Down(x) before the reconstruction distance).
/// </summary>
public static class PairAugment
{
    public static (Tensor A, Tensor B) Apply(Tensor a, Tensor b, Generator? gen = null, double translate = 0.125, double cutout = 0.25)
    {
        var n = a.shape[0];
        var (h, w) = (a.shape[2], a.shape[3]);
        var dev = a.device;
        Tensor R(params long[] shape) => rand(shape, generator: gen).to(dev);
        var x = cat([a, b], 1); // one transform for both: [N, 6, H, W]
        // Colour: brightness, saturation and contrast, per sample, on each RGB triple.
        var brightness = (R(n, 1, 1, 1) - 0.5) * 0.4;
        var saturation = R(n, 1, 1, 1) * 2;
        var contrast = R(n, 1, 1, 1) + 0.5;
        Tensor Colour(Tensor rgb)
        {
            rgb = rgb + brightness;
            var mean = rgb.mean([1], keepdim: true);
            rgb = (rgb - mean) * saturation + mean;
            var m = rgb.mean([1, 2, 3], keepdim: true);
            return (rgb - m) * contrast + m;
        }
        x = cat([Colour(x[.., ..3]), Colour(x[.., 3..])], 1);
        // Translation by up to `translate` of the size, zero padding, through an affine sampling grid.
        var theta = zeros(n, 2, 3, device: dev);
        theta[.., 0, 0] = ones(n, device: dev);
        theta[.., 1, 1] = ones(n, device: dev);
        theta[.., 0, 2] = ((R(n) * 2 - 1) * translate * 2).round_(2);
        theta[.., 1, 2] = ((R(n) * 2 - 1) * translate * 2).round_(2);
        var grid = F.affine_grid(theta, [n, 6, h, w], align_corners: false);
        x = F.grid_sample(x, grid, mode: GridSampleMode.Nearest, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
        // Cutout: one square of side `cutout` of the size, set to zero.
        var cy = R(n, 1, 1, 1) * h;
        var cx = R(n, 1, 1, 1) * w;
        var ys = arange(h, device: dev).view(1, 1, -1, 1);
        var xs = arange(w, device: dev).view(1, 1, 1, -1);
        var inside = ((ys - cy).abs() < cutout * h / 2) & ((xs - cx).abs() < cutout * w / 2);
        x = x * (~inside).to(x.dtype);
        return (x[.., ..3], x[.., 3..]);
    }
}
