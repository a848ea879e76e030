using System.Globalization;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// One row of the novel-view evaluation: a method on one covisibility range with one depth source, over N pairs.
/// PSNR/SSIM/perceptual are means over pairs, whole image and split into covisible/occluded target pixels
/// (by ground truth); KID (mean, std over subsets) and FD compare generated with real target views.
/// </summary>
public sealed record EvalRow(string Method, string Range, string Depth, int N,
    double Psnr, double Ssim, double Perceptual,
    double PsnrCovisible, double PsnrOccluded, double SsimCovisible, double SsimOccluded,
    double PerceptualCovisible, double PerceptualOccluded,
    double Kid, double KidStd, double Fd)
{
    /// <summary>Network evaluations per view (0 for warp-only).</summary>
    public int Nfe { get; init; }
    /// <summary>Parameters of the method's networks (0 for warp-only).</summary>
    public long Parameters { get; init; }

    public const string CsvHeader = "method,range,depth,n,psnr,ssim,perceptual,kid,fd,kid_std,psnr_covisible,psnr_occluded,ssim_covisible,ssim_occluded,perceptual_covisible,perceptual_occluded,nfe,parameters";

    public string ToCsv() => string.Join(",", new[] { Method, Range, Depth, N.ToString(CultureInfo.InvariantCulture) }
        .Concat(new[] { Psnr, Ssim, Perceptual, Kid, Fd, KidStd, PsnrCovisible, PsnrOccluded, SsimCovisible, SsimOccluded, PerceptualCovisible, PerceptualOccluded }
            .Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))
        .Concat([Nfe.ToString(CultureInfo.InvariantCulture), Parameters.ToString(CultureInfo.InvariantCulture)]));
}
