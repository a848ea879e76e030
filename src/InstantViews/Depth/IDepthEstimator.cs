using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>A source of metric depth for one image: built-in network, external ONNX model, or a user's file.</summary>
public interface IDepthEstimator
{
    /// <summary>Short description for logs ("built-in depth-unet 64px", "onnx model.onnx (inverse depth, fitted)").</summary>
    string Description { get; }

    /// <summary>Depth [H, W] in metres (z along the optical axis) for <paramref name="rgb"/> [3, H, W] in [-1, 1].
    /// The camera is optional context (estimators that ignore it still work without it).</summary>
    Tensor Estimate(Tensor rgb, Camera? camera = null);

    /// <summary>The long side of the map the source computes before resizing it to the photo (a network's output), or null if it works at the photo's size.</summary>
    int? NativeLongSide => null;

    /// <summary>True for a map recorded for one photo (a depth file, a phone's embedded map): other images need another source.</summary>
    bool FixedMap => false;
}
