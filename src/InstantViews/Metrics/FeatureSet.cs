using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>
/// Pooled ResNet-18 features of an image set ([N, 512], float) with their mean and covariance in double
/// precision. Saved as a safetensors file so a reference set is extracted once and reused.
/// </summary>
public sealed class FeatureSet
{
    const string Kind = "instantviews-features/1";

    public Tensor Features { get; }
    public Tensor Mean { get; }
    public Tensor Covariance { get; }
    public long Count => Features.shape[0];

    public FeatureSet(Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2)
            throw new UserError($"feature set needs at least 2 samples of [N,D], got [{string.Join(",", features.shape)}]");
        using var scope = NewDisposeScope();
        // A feature set is long-lived (cached, compared many times): its tensors belong to no dispose scope.
        Features = features.detach().cpu().to_type(ScalarType.Float32).contiguous().clone().DetachFromDisposeScope();
        var x = Features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var centred = x.sub(mean);
        Mean = mean.DetachFromDisposeScope();
        // Unbiased covariance (N - 1), as FID implementations use.
        Covariance = centred.t().matmul(centred).div(Count - 1).DetachFromDisposeScope();
    }

    public void Save(string path, string source) =>
        Checkpoint.WriteAtomic(path, [new("features", Features)], new Dictionary<string, string>
        {
            ["format"] = Kind,
            ["source"] = source,
            ["count"] = Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>Reads a saved set; returns the source description it was made from.</summary>
    public static (FeatureSet Set, string Source) Load(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        if (!meta.TryGetValue("format", out var f) || f != Kind || tensors.Count != 1)
            throw new UserError($"'{path}': not a feature cache ({Kind} expected)");
        return (new FeatureSet(tensors[0].Value), meta.GetValueOrDefault("source", "?"));
    }
}
