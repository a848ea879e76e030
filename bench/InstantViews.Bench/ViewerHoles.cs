using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>
/// Holes in a screenshot of the viewer's canvas: with <c>viewer.show({ holes: true })</c> the page clears to magenta,
/// so a pixel no mesh drew is magenta. Shared by the viewer benchmark and the viewer's browser tests.
/// </summary>
public static class ViewerHoles
{
    /// <summary>The share of <paramref name="canvas"/> ([3, H, W] in [-1, 1]) in the hole colour.</summary>
    public static double Share(Tensor canvas)
    {
        using var c = canvas.add(1).div(2);
        using var holes = c[0].gt(0.9f) & c[1].lt(0.1f) & c[2].gt(0.9f);
        return holes.to_type(ScalarType.Float32).mean().item<float>();
    }
}
