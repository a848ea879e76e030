using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>Batched extraction of pooled ResNet-18 features from an image source, with progress.</summary>
public static class FeatureExtraction
{
    /// <summary>
    /// Pooled features of every image of <paramref name="source"/>; images whose shorter side is below
    /// <paramref name="minSize"/> are upsampled as the perceptual distance does.
    /// </summary>
    public static FeatureSet Extract(IImageSource source, ResNet18Features net, Device device, int batch = 32, int minSize = 224, string label = "features")
    {
        var parts = new List<Tensor>();
        using var progress = Progress.Start(label, source.Count, "images");
        using (var outer = NewDisposeScope())
        {
            for (long done = 0; done < source.Count;)
            {
                using var scope = NewDisposeScope();
                using var noGrad = inference_mode();
                var x = source.NextBatch(batch);
                if (x.shape[0] == 0) break;
                var f = net.forward(PerceptualDistance.Upsample(x.to(device), minSize)).Pooled.cpu();
                parts.Add(f.MoveToOuterDisposeScope());
                done += x.shape[0];
                progress.Advance(x.shape[0]);
            }
            return new FeatureSet(cat(parts));
        }
    }
}
