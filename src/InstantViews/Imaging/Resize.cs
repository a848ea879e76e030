using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Imaging;

public enum ResizeFilter { Area, Bilinear, Bicubic, Nearest }

/// <summary>Resizing of [C,H,W] or [N,C,H,W] tensors: area averaging to shrink, bilinear/bicubic to enlarge.</summary>
public static class Resize
{
    /// <summary>Resizes to (height, width). Auto picks area when shrinking and bicubic when enlarging.</summary>
    public static Tensor To(Tensor image, int height, int width, ResizeFilter? filter = null)
    {
        var batched = image.dim() == 4;
        var x = batched ? image : image.unsqueeze(0);
        var h = x.shape[2];
        var shrinking = height <= h && width <= x.shape[3];
        var f = filter ?? (shrinking ? ResizeFilter.Area : ResizeFilter.Bicubic);
        var mode = f switch
        {
            ResizeFilter.Area => InterpolationMode.Area,
            ResizeFilter.Bilinear => InterpolationMode.Bilinear,
            ResizeFilter.Bicubic => InterpolationMode.Bicubic,
            _ => InterpolationMode.Nearest,
        };
        bool? align = f is ResizeFilter.Bilinear or ResizeFilter.Bicubic ? false : null;
        var y = F.interpolate(x, [height, width], mode: mode, align_corners: align);
        return batched ? y : y.squeeze(0);
    }

    /// <summary>Box (area) downsampling by an integer factor: the mean of each factor x factor block.</summary>
    public static Tensor Down(Tensor image, int factor) =>
        factor == 1 ? image.alias() : To(image, (int)image.shape[^2] / factor, (int)image.shape[^1] / factor, ResizeFilter.Area);
}
