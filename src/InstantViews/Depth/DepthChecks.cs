using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>Input checks shared by the depth sources (depth values themselves: <see cref="Geometry.DepthValidation"/>).</summary>
public static class DepthChecks
{
    public static void RequireRgb(Tensor rgb)
    {
        if (rgb.dim() != 3 || rgb.shape[0] != 3)
            throw new UserError($"depth estimation needs an RGB image [3, H, W], got [{string.Join(", ", rgb.shape)}]");
    }
}
