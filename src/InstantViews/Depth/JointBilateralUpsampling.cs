using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// Joint bilateral upsampling (Kopf, Cohen, Lischinski and Uyttendaele, SIGGRAPH 2007, eq. 2): each photo pixel p
/// takes the low-resolution values S_q of the nearby samples q, weighted by their distance in low-resolution pixels,
/// f = exp(-|p_low - q|^2 / 2 sigma_s^2), and by how alike the photo's colour at p is to the colour of q's block,
/// g = exp(-|I_p - I_q|^2 / 2 sigma_r^2). A depth sample from the other side of an object's outline has another
/// colour and barely counts, so the depth edge lands on the photo's edge.
/// </summary>
public static class JointBilateralUpsampling
{
    /// <summary>
    /// Upsamples <paramref name="low"/> [h, w] to the size of <paramref name="guide"/> [3, H, W] (RGB in [-1, 1]);
    /// sigma_s in low-resolution pixels, sigma_r in colour units of [0, 1]; the samples are the (2 radius + 1)^2 around the
    /// nearest one (radius 1: 9 samples, the cost of about ten passes over the photo per sample).
    /// </summary>
    public static Tensor Apply(Tensor low, Tensor guide, double sigmaSpatial = 1.0, double sigmaRange = 0.1, int radius = 1)
    {
        if (low.dim() != 2 || guide.dim() != 3 || guide.shape[0] != 3)
            throw new ArgumentException($"joint bilateral upsampling: low [h,w] and guide [3,H,W] expected, got [{string.Join(",", low.shape)}] and [{string.Join(",", guide.shape)}]");
        using var scope = NewDisposeScope();
        int h = (int)low.shape[0], w = (int)low.shape[1], H = (int)guide.shape[1], W = (int)guide.shape[2];
        var photo = guide.to_type(ScalarType.Float32).add(1).div(2);
        // Each sample's colour: the mean colour of the photo block it stands for.
        var blocks = Resize.To(photo.unsqueeze(0), h, w, ResizeFilter.Area)[0];
        var values = low.to_type(ScalarType.Float32);
        // Every photo pixel's position in low-resolution pixel coordinates (centres at integers).
        var uy = (arange(H, dtype: ScalarType.Float32) + 0.5f) * ((float)h / H) - 0.5f;
        var ux = (arange(W, dtype: ScalarType.Float32) + 0.5f) * ((float)w / W) - 0.5f;
        var (by, bx) = (uy.round().to_type(ScalarType.Int64), ux.round().to_type(ScalarType.Int64));
        var sum = zeros(H, W);
        var weights = zeros(H, W);
        for (int dy = -radius; dy <= radius; dy++)
        {
            var qy = (by + dy).clamp(0, h - 1);
            var wy = (uy - qy.to_type(ScalarType.Float32)).square().div(-2 * sigmaSpatial * sigmaSpatial).exp().view(-1, 1);
            var rowsV = values.index_select(0, qy);
            var rowsC = blocks.index_select(1, qy);
            for (int dx = -radius; dx <= radius; dx++)
            {
                var qx = (bx + dx).clamp(0, w - 1);
                var wx = (ux - qx.to_type(ScalarType.Float32)).square().div(-2 * sigmaSpatial * sigmaSpatial).exp().view(1, -1);
                var colour = rowsC.index_select(2, qx);
                var range = (photo - colour).square().sum([0]).div(-2 * sigmaRange * sigmaRange).exp();
                var wgt = range * wy * wx;
                sum.add_(wgt * rowsV.index_select(1, qx));
                weights.add_(wgt);
            }
        }
        var result = sum / weights.clamp_min(1e-6f);
        // Where every sample's colour is far from the pixel's, fall back to plain bilinear upsampling (made only where needed).
        var lost = weights.le(1e-6f);
        if (lost.any().item<bool>())
            result = where(lost, nn.functional.interpolate(values.view(1, 1, h, w), [H, W], mode: InterpolationMode.Bilinear, align_corners: false)[0, 0], result);
        return result.MoveToOuterDisposeScope();
    }
}
