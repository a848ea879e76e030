using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.GenWarp;

/// <summary>
/// A novel view at the photo's own resolution: the full-resolution forward warp supplies every pixel the source sees,
/// the generated view (upsampled from the model's resolution) supplies the rest. Inside the holes the two are blended
/// across a feathered seam: a pixel at distance d (pixels) into a hole takes
/// alpha = clamp(d / feather, 0, 1) of the generated view and 1 - alpha of the warp's colours extended into the hole
/// (a normalised Gaussian fill of the visible pixels), so the seam shows no step; visible pixels are the warp's, exactly.
/// </summary>
public static class ViewComposition
{
    /// <summary>The seam width as a fraction of the view's long side (at least 2 px).</summary>
    public const double FeatherFraction = 0.02;

    /// <summary>
    /// Composes the full-resolution warp [3,H,W] (values in [-1, 1]) and its hole mask [H,W] (1 = hole) with a generated
    /// view [3,h,w] of the same camera at any resolution and the same aspect ratio. Returns [3,H,W].
    /// </summary>
    public static Tensor Compose(Tensor warped, Tensor holes, Tensor generated, int? featherPixels = null)
    {
        using var scope = NewDisposeScope();
        var (h, w) = ((int)warped.shape[1], (int)warped.shape[2]);
        var feather = featherPixels ?? Math.Max(2, (int)Math.Round(FeatherFraction * Math.Max(h, w)));
        var up = generated.shape[1] == h && generated.shape[2] == w ? generated : Resize.To(generated, h, w, ResizeFilter.Bicubic).clamp(-1, 1);
        var hole = holes.gt(0.5f).to_type(ScalarType.Float32).unsqueeze(0);
        var visible = 1 - hole;
        // Distance into the hole, in pixels up to `feather`: repeated 3x3 max-pool dilation of the visible mask.
        var depthInto = zeros_like(hole);
        var reach = visible.unsqueeze(0);
        for (int i = 1; i <= feather; i++)
        {
            reach = F.max_pool2d(reach, 3, stride: 1, padding: 1);
            depthInto = depthInto + (1 - reach.squeeze(0));
        }
        var alpha = (depthInto + 1).div(feather + 1).clamp(0, 1) * hole;
        // The warp's colours carried into the hole (normalised Gaussian fill); where none reach, the generated view.
        var fill = NormalisedFill(warped * visible, visible, feather);
        var reached = fill.Weight.gt(1e-3f).to_type(ScalarType.Float32);
        var extended = fill.Colour * reached + up * (1 - reached);
        var holeColour = alpha * up + (1 - alpha) * extended;
        return (warped * visible + holeColour * hole).MoveToOuterDisposeScope();
    }

    static (Tensor Colour, Tensor Weight) NormalisedFill(Tensor values, Tensor mask, int radius)
    {
        var size = 2 * radius + 1;
        var sigma = Math.Max(1.0, radius / 2.0);
        var x = arange(size, dtype: ScalarType.Float32) - radius;
        var g = (-(x * x) / (2 * sigma * sigma)).exp();
        g = g / g.sum();
        Tensor Blur(Tensor t)
        {
            var c = t.shape[0];
            var b = t.unsqueeze(0);
            b = F.conv2d(b, g.view(1, 1, 1, size).expand(c, 1, 1, size).to(t.device), padding: [0, radius], groups: c);
            b = F.conv2d(b, g.view(1, 1, size, 1).expand(c, 1, size, 1).to(t.device), padding: [radius, 0], groups: c);
            return b.squeeze(0);
        }
        var weight = Blur(mask);
        return (Blur(values) / weight.clamp_min(1e-6f), weight);
    }

    /// <summary>The size a photo is worked at: its own, scaled down so that the long side is at most <paramref name="maxSize"/>.</summary>
    public static (int Height, int Width) CappedSize(int height, int width, int maxSize)
    {
        var scale = Math.Min(1.0, (double)maxSize / Math.Max(height, width));
        return (Math.Max(1, (int)Math.Round(height * scale)), Math.Max(1, (int)Math.Round(width * scale)));
    }

    /// <summary>Warps the full-resolution photo [3,H,W] with its depth [H,W] to <paramref name="target"/> (same size) and composes it with <paramref name="generated"/>.</summary>
    public static (Tensor View, Tensor Warped, Tensor Holes) ComposeView(Tensor rgb, Tensor depth, Camera source, Camera target, Tensor generated)
    {
        using var splat = ForwardSplat.Warp(rgb, depth, source, target);
        var view = Compose(splat.Warped, splat.HoleMask, generated);
        return (view, splat.Warped.clone(), splat.HoleMask.clone());
    }
}
