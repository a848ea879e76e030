namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// One row of the stereo benchmark: a depth source and a fill, scored against the real right photo over the whole
/// frame, its covisible and its occluded pixels (PSNR dB, SSIM, perceptual distance), and the seconds one view took.
/// </summary>
public sealed record StereoRow(string Depth, string Fill, int Nfe,
    double Psnr, double Ssim, double Perceptual,
    double PsnrCovisible, double SsimCovisible, double PerceptualCovisible,
    double PsnrOccluded, double SsimOccluded, double PerceptualOccluded, double Seconds);
