using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Peak signal-to-noise ratio of images in [0, 1]: 10 log10(1 / MSE), per image.</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR in dB for each image of [N,C,H,W] (or [C,H,W]) in [0, 1]. <paramref name="mask"/> ([N,1|C,H,W], 1 = counted)
    /// restricts the mean squared error to the masked pixels. Identical images give +infinity.
    /// </summary>
    public static Tensor Compute(Tensor pred, Tensor target, Tensor? mask = null)
    {
        var (a, b) = (Batched(pred), Batched(target));
        var err = a.sub(b).square();
        var dims = new long[] { 1, 2, 3 };
        Tensor mse;
        if (mask is null) mse = err.mean(dims);
        else
        {
            var m = Batched(mask).to(err.dtype).expand_as(err);
            mse = err.mul(m).sum(dims).div(m.sum(dims).clamp_min(1e-12));
        }
        return mse.log10().mul(-10);
    }

    internal static Tensor Batched(Tensor x) => x.dim() == 3 ? x.unsqueeze(0) : x;
}
