using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Nn;

/// <summary>
/// Layer constructors with the initialisation every model here relies on, on <see cref="BuildDevice.Current"/>, so
/// that a model built inside <see cref="BuildDevice.Meta"/> allocates nothing (checkpoints check their header that way).
/// </summary>
public static class Layers
{
    public static Conv2d Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0) =>
        nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, device: BuildDevice.Current);

    public static Linear Linear(long inFeatures, long outFeatures, bool hasBias = true) =>
        nn.Linear(inFeatures, outFeatures, hasBias: hasBias, device: BuildDevice.Current);

    /// <summary>
    /// nn.Embedding. TorchSharp 0.107 builds embeddings natively on the CPU whatever the device asked for, so on the
    /// meta device the module is built 1x1 and given a meta weight of the full shape.
    /// </summary>
    public static Embedding Embedding(long count, long dim)
    {
        if (!BuildDevice.IsMeta) return nn.Embedding(count, dim);
        var e = nn.Embedding(1, 1);
        e.weight = new Parameter(empty(count, dim, device: BuildDevice.Current));
        return e;
    }

    /// <summary>
    /// GroupNorm with weight 1 and bias 0. TorchSharp 0.107's nn.GroupNorm leaves its affine parameters
    /// uninitialised (measured: garbage values), so every model builds its norms through this.
    /// </summary>
    public static GroupNorm GroupNorm(int groups, int channels, double eps = 1e-5)
    {
        var g = nn.GroupNorm(Math.Min(groups, channels), channels, eps, device: BuildDevice.Current);
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
