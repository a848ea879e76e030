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

/// <summary>What every depth network does with a photo: resize it to the network's input, run it, resize the log depth back.</summary>
public static class DepthPrediction
{
    /// <summary>exp(forward(the photo at <paramref name="inputSize"/>)) resized back to the photo's size (log depth bilinearly): metres [H, W].</summary>
    public static TorchSharp.torch.Tensor AtPhotoSize(TorchSharp.torch.Tensor rgb, (int Height, int Width) inputSize, Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> forward)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        var x = Imaging.Resize.To(rgb.unsqueeze(0), inputSize.Height, inputSize.Width);
        var logDepth = forward(x).unsqueeze(1);
        return Imaging.Resize.To(logDepth, h, w, Imaging.ResizeFilter.Bilinear)[0, 0].exp().MoveToOuterDisposeScope();
    }
}
