using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>
/// One layer of a <see cref="LayeredScene"/>, on the source camera's pixel grid: colour [3,H,W] in [-1, 1], depth [H,W]
/// (metres, camera z) and a valid mask [H,W] (1 = the layer has a surface at this pixel, 0 = empty). Layer 0 is the
/// photo itself (every pixel valid); later layers hold what lies behind the depth discontinuities.
/// </summary>
public sealed record SceneLayer(string Name, Tensor Rgb, Tensor Depth, Tensor Valid) : IDisposable
{
    public int Height => (int)Depth.shape[0];
    public int Width => (int)Depth.shape[1];

    /// <summary>Share of the grid's pixels that are valid.</summary>
    public double Coverage => Valid.to_type(ScalarType.Float32).mean().item<float>();

    /// <summary>Refuses tensors of the wrong shape, or a valid pixel whose depth is not a positive finite number (<paramref name="what"/> names the layer in errors).</summary>
    public void Check(int height, int width, string what)
    {
        if (Rgb.dim() != 3 || Rgb.shape[0] != 3 || Rgb.shape[1] != height || Rgb.shape[2] != width)
            throw new UserError($"{what}: colour is [{string.Join(", ", Rgb.shape)}], expected [3, {height}, {width}]");
        if (Depth.dim() != 2 || Depth.shape[0] != height || Depth.shape[1] != width)
            throw new UserError($"{what}: depth is [{string.Join(", ", Depth.shape)}], expected [{height}, {width}]");
        if (Valid.dim() != 2 || Valid.shape[0] != height || Valid.shape[1] != width)
            throw new UserError($"{what}: valid mask is [{string.Join(", ", Valid.shape)}], expected [{height}, {width}]");
        using var scope = NewDisposeScope();
        var valid = Valid.gt(0.5f);
        var d = Depth.to_type(ScalarType.Float32);
        var bad = valid & (d.isfinite().logical_not() | d.le(0));
        if (bad.any().item<bool>())
        {
            var i = bad.flatten().nonzero()[0, 0].item<long>();
            throw new UserError($"{what}: depth {d.flatten()[i].item<float>()} at pixel ({i % width}, {i / width}) of a valid pixel; valid depths must be positive and finite");
        }
    }

    public void Dispose()
    {
        Rgb.Dispose();
        Depth.Dispose();
        Valid.Dispose();
    }
}
