using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>PSNR (dB), SSIM and perceptual distance of one predicted image against its target.</summary>
public sealed record PairScore(string Name, double Psnr, double Ssim, double Perceptual);

/// <summary>
/// `eval pairs` as a library call: predictions and targets matched by file name (masks too, white = counted), scored
/// in batches; sizes must agree.
/// </summary>
public static class PairedMetrics
{
    /// <summary>The prediction file names that have a target (and a mask, when a mask folder is given); any missing one is an error.</summary>
    public static List<string> MatchedNames(string predDir, string targetDir, string? maskDir)
    {
        var preds = ImageFolder.List(predDir, recursive: false).Select(f => Path.GetFileName(f)!).ToList();
        if (preds.Count == 0) throw new UserError($"'{predDir}': no PNG, JPEG or WebP images");
        ExistingFolder(targetDir);
        foreach (var n in preds)
        {
            if (!File.Exists(Path.Combine(targetDir, n))) throw new UserError($"'{Path.Combine(targetDir, n)}': no target for prediction '{n}'");
            if (maskDir is not null && !File.Exists(Path.Combine(ExistingFolder(maskDir), n)))
                throw new UserError($"'{Path.Combine(maskDir, n)}': no mask for prediction '{n}'");
        }
        return preds;
    }

    /// <summary>Scores every named pair, <paramref name="batch"/> at a time.</summary>
    public static List<PairScore> Score(IReadOnlyList<string> names, string predDir, string targetDir, string? maskDir,
        PerceptualDistance perceptual, int batch, Device? device = null)
    {
        var dev = device ?? CPU;
        var rows = new List<PairScore>();
        using var progress = Progress.Start("pairs", names.Count, "pairs");
        for (int i = 0; i < names.Count; i += batch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = inference_mode();
            var chunk = names.Skip(i).Take(batch).ToList();
            var pairs = chunk.Select(n => ReadPair(Path.Combine(predDir, n), Path.Combine(targetDir, n))).ToList();
            var p = stack(pairs.Select(x => x.Pred)).to(dev);
            var t = stack(pairs.Select(x => x.Target)).to(dev);
            Tensor? m = maskDir is null ? null
                : stack(chunk.Select(n => ReadMask(Path.Combine(maskDir, n), t.shape[2], t.shape[3]))).to(dev);
            var (p01, t01) = (p.add(1).div(2), t.add(1).div(2));
            var psnr = Psnr.Compute(p01, t01, m).cpu().data<float>().ToArray();
            var ssim = Ssim.Compute(p01, t01, m).cpu().data<float>().ToArray();
            var perc = perceptual.Compute(p, t).cpu().data<float>().ToArray();
            for (int k = 0; k < chunk.Count; k++) rows.Add(new PairScore(chunk[k], psnr[k], ssim[k], perc[k]));
            progress.Advance(chunk.Count);
        }
        return rows;
    }

    static string ExistingFolder(string d) => Directory.Exists(d) ? d : throw new UserError($"'{d}': folder not found");

    static (Tensor Pred, Tensor Target) ReadPair(string predPath, string targetPath)
    {
        var (p, t) = (ImageFile.Read(predPath), ImageFile.Read(targetPath));
        if (!p.shape.SequenceEqual(t.shape))
            throw new UserError($"'{predPath}': size {p.shape[2]}x{p.shape[1]} differs from its target's {t.shape[2]}x{t.shape[1]}");
        return (p, t);
    }

    static Tensor ReadMask(string path, long h, long w)
    {
        var m = ImageFile.Read(path, channels: 1);
        if (m.shape[1] != h || m.shape[2] != w) throw new UserError($"'{path}': mask size {m.shape[2]}x{m.shape[1]} differs from its image's {w}x{h}");
        return m.gt(0).to_type(ScalarType.Float32); // white (> mid-grey) = counted
    }
}
