namespace InstantViews.Depth;

/// <summary>A depth network that can be the built-in depth: metric depth for one image at the image's own size.</summary>
public interface IDepthNetwork
{
    /// <summary>Metric depth [H, W] (metres) for one image [3, H, W] in [-1, 1]; <paramref name="focalRatio"/> is its camera's focal length in image widths, if known.</summary>
    TorchSharp.torch.Tensor Predict(TorchSharp.torch.Tensor rgb, double? focalRatio = null);

    long ParameterCount { get; }

    /// <summary>The long side of the network's output for photos of any size.</summary>
    int OutputLongSide { get; }

    /// <summary>What the network is, in a few words (kind, input size, parameters).</summary>
    string Summary { get; }
}
