using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Nn;

/// <summary>Layer constructors with the initialisation every model here relies on.</summary>
public static class Layers
{
    /// <summary>
    /// GroupNorm with weight 1 and bias 0. TorchSharp 0.107's nn.GroupNorm leaves its affine parameters
    /// uninitialised (measured: garbage values), so every model builds its norms through this.
    /// </summary>
    public static GroupNorm GroupNorm(int groups, int channels, double eps = 1e-5)
    {
        var g = nn.GroupNorm(Math.Min(groups, channels), channels, eps);
        using var noGrad = no_grad();
        g.weight!.fill_(1);
        g.bias!.zero_();
        return g;
    }

    /// <summary>
    /// Groups for a channel count: the largest divisor of <paramref name="channels"/> not above
    /// <paramref name="maxGroups"/> that leaves at least <paramref name="channelsPerGroup"/> channels per group
    /// (EDM uses 32 groups of at least 4 channels; one channel per group would normalise away each channel's mean,
    /// i.e. colour).
    /// </summary>
    public static int Groups(int channels, int maxGroups = 32, int channelsPerGroup = 1)
    {
        for (var g = Math.Min(maxGroups, Math.Max(1, channels / Math.Max(1, channelsPerGroup))); g > 1; g--)
            if (channels % g == 0) return g;
        return 1;
    }

    /// <summary>Sets a module's weight and bias to zero (zero-initialised output layers).</summary>
    public static T Zero<T>(T module) where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var p in module.parameters()) p.zero_();
        return module;
    }
}
