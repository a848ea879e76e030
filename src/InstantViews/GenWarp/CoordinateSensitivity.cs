using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// How much a GenWarp model uses the warped coordinates. At each noise level sigma the conditional denoiser runs on
/// target + sigma n three times: with the warped target embedding, with the source's own (unwarped) grid in its place,
/// and with the embedding warped by another depth map (e.g. ground truth instead of estimated). A model that warps
/// changes its output by a sizeable part of its error when the coordinates change; a model blind to geometry does not.
/// </summary>
public static class CoordinateSensitivity
{
    public static IReadOnlyList<CoordinateSensitivityRow> Measure(GenWarpModel model, NovelViewBatch batch, Tensor otherEmbedding,
        IReadOnlyList<double> sigmas, int seed = 0)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var target = batch.Target ?? throw new ArgumentException("coordinate sensitivity needs the batch's target views");
        var n = target.shape[0];
        var condition = model.Condition(batch.Source, batch.TargetEmbedding);
        // The unwarped grid: the source embedding (a batch's source and target share the target's pixel grid).
        var identity = condition.SourceEmbedding!;
        var gen = new Generator((ulong)seed);
        static double Rms(Tensor t) => t.square().mean().sqrt().item<float>();
        var rows = new List<CoordinateSensitivityRow>();
        foreach (var sigma in sigmas)
        {
            var s = full(n, (float)sigma, device: target.device);
            var x = target + sigma * randn(target.shape, generator: gen).to(target.device);
            var d = model.Denoise(x, s, condition);
            var dIdentity = model.Denoise(x, s, condition with { TargetEmbedding = identity });
            var dOther = model.Denoise(x, s, condition with { TargetEmbedding = otherEmbedding });
            rows.Add(new CoordinateSensitivityRow(sigma, Rms(d - target), Rms(dIdentity - d), Rms(dOther - d)));
        }
        return rows;
    }
}
