using InstantViews.Diffusion;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// The classic baseline (docs/genwarp.md, "The baseline"): forward-splat the source RGB by depth, then a
/// diffusion inpainting U-Net fills the holes, conditioned on the warped RGB and the hole mask as extra input
/// channels. EDM preconditioning scales only the noisy channels; the conditions enter unscaled.
/// </summary>
[ModelKind("warp-inpaint", typeof(WarpInpaintConfig))]
public sealed class WarpInpaintModel : nn.Module, INovelViewModel
{
    public WarpInpaintConfig Cfg { get; }
    public string Kind => "warp-inpaint";
    public object Config => Cfg;
    public UNetConfig NetConfig => Cfg.Net;
    public UNet Net => net;
    readonly UNet net;

    public WarpInpaintModel(WarpInpaintConfig config) : base(nameof(WarpInpaintModel))
    {
        config.Validate();
        Cfg = config;
        net = new UNet(config.Net);
        RegisterComponents();
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>D(x; sigma | warped, mask) = c_skip x + c_out F([c_in x ; warped ; mask], c_noise).</summary>
    public Tensor Denoise(Tensor x, Tensor sigma, Tensor warped, Tensor holeMask) =>
        Edm.Precondition((xIn, noise) => Net.Forward(cat([xIn, warped, holeMask], 1), noise), x, sigma);

    /// <summary>The baseline has no guidance: <paramref name="guidance"/> is ignored.</summary>
    public IDenoiser Denoiser(NovelViewBatch batch, double guidance = 1) =>
        new LambdaDenoiser((x, s) => Denoise(x, s, batch.WarpedRgb, batch.HoleMask));

    public Tensor TrainingLoss(NovelViewBatch batch, Generator gen)
    {
        var target = batch.Target ?? throw new ArgumentException("training needs the batch's target views");
        return new EdmLoss().PerSample((x, s) => Denoise(x, s, batch.WarpedRgb, batch.HoleMask), target, gen);
    }
}
