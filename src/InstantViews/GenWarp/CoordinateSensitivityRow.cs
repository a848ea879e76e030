namespace InstantViews.GenWarp;

/// <summary>One noise level of <see cref="CoordinateSensitivity.Measure"/>: RMS values over pixels, channels and pairs.</summary>
public sealed record CoordinateSensitivityRow(double Sigma, double DenoiserError, double IdentityChange, double GroundTruthChange);
