using InstantViews.Diffusion;
using InstantViews.Imaging;
using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Pagoda;

/// <summary>
/// PaGoDA's super-resolution (arXiv 2405.14822; docs/pagoda.md): a low-resolution image is inverted along the teacher's probability-flow
/// ODE to its noise (reverse Heun, clamped denoiser), and the grown generator maps that noise to the high-resolution
/// image in one evaluation. Network evaluations are counted, not assumed.
/// </summary>
public sealed class Upscaler(OneStepGenerator generator, UNet teacher, double sigmaMax, int inversionSteps = 40)
{
    public OneStepGenerator Generator => generator;

    /// <summary>Images [N,3,b,b] in [-1,1] at the generator's base resolution to [N,3,B,B] at its output resolution, with the evaluations per image.</summary>
    public (Tensor Images, int Nfe) Upscale(Tensor low)
    {
        if (low.dim() != 4 || low.shape[1] != 3 || low.shape[2] != generator.BaseResolution || low.shape[3] != generator.BaseResolution)
            throw new UserError($"upscale input must be [N, 3, {generator.BaseResolution}, {generator.BaseResolution}], got [{string.Join(", ", low.shape)}]");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inverted = Inversion.Invert(new EdmDenoiser(teacher), low, inversionSteps, clamp: true, sigmaMax: sigmaMax);
        var high = generator.Forward(inverted.X).clamp(-1, 1);
        return (high.MoveToOuterDisposeScope(), inverted.Nfe + 1);
    }

    /// <summary>An image [3,H,W] of any size: resized to the base resolution (area or bicubic), then upscaled.</summary>
    public (Tensor Image, int Nfe) UpscaleImage(Tensor image)
    {
        var low = Resize.To(image, generator.BaseResolution, generator.BaseResolution).unsqueeze(0);
        var (high, nfe) = Upscale(low);
        return (high[0], nfe);
    }
}

/// <summary>One method's row of <see cref="UpscaleEvaluation"/>: PSNR against the originals, FD and KID against other held-out images.</summary>
public sealed record UpscaleRow(string Method, int Nfe, int N, double Psnr, double Fd, double Kid, double KidStd, double SecondsPerImage);

/// <summary>
/// Super-resolution measured on held-out scene images: each original at the output resolution is area-downsampled to the
/// base resolution and brought back by bicubic interpolation and by <see cref="Upscaler"/>. PSNR is against the
/// originals; FD and KID (ResNet-18 features) against a second set of held-out images (other seeds), with the
/// originals' own FD as the floor.
/// </summary>
public static class UpscaleEvaluation
{
    public static IReadOnlyList<UpscaleRow> Run(Upscaler upscaler, int count, ResNet18Features features, int batch = 64, int spp = 4)
    {
        var g = upscaler.Generator;
        int res = g.OutputResolution, low = g.BaseResolution;
        using var originalsSource = SceneImages.Eval(res, count, 0, spp);
        var originals = originalsSource.NextBatch(count);
        using var referenceSource = SceneImages.Eval(res, count, 500_000, spp);
        var reference = Extract(features, referenceSource.NextBatch(count), "reference");
        var small = Resize.To(originals, low, low, ResizeFilter.Area);
        var rows = new List<UpscaleRow>();
        void Add(string method, int nfe, Tensor images, double seconds)
        {
            var psnr = Psnr.Compute((images + 1) / 2, (originals + 1) / 2).clamp_max(100).mean().item<float>();
            var f = Extract(features, images, method);
            var (kid, kidStd) = Kid.Compute(reference.Features, f.Features, 50, Math.Max(2, Math.Min(500, count / 2)));
            rows.Add(new UpscaleRow(method, nfe, count, psnr, Frechet.Distance(reference, f), kid, kidStd, seconds / count));
        }
        Add("originals", 0, originals, 0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var bicubic = Resize.To(small, res, res, ResizeFilter.Bicubic).clamp(-1, 1);
        Add("bicubic", 0, bicubic, clock.Elapsed.TotalSeconds);
        clock.Restart();
        var nfe = 0;
        var parts = new List<Tensor>();
        for (int i = 0; i < count; i += batch)
        {
            var (images, n) = upscaler.Upscale(small[i..Math.Min(count, i + batch)]);
            parts.Add(images);
            nfe = n;
        }
        Add("PaGoDA (inversion + one step)", nfe, cat(parts, 0), clock.Elapsed.TotalSeconds);
        return rows;
    }

    static FeatureSet Extract(ResNet18Features features, Tensor images, string label) =>
        FeatureExtraction.Extract(new DelegateImageSource(label, images.shape[0], _ => images), features, CPU, 64, 64, label);
}
