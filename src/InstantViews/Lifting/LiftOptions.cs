using InstantViews.Runtime;

namespace InstantViews.Lifting;

/// <summary>Settings of <see cref="PhotoLifter"/>; the defaults are the ones `lift` uses.</summary>
public sealed record LiftOptions
{
    /// <summary>The photo's long side is capped to this many pixels (the layer grid).</summary>
    public int MaxSize { get; init; } = 1024;
    /// <summary>Long side of the composed virtual views whose holes colour the background (the model generates at its own, smaller size).</summary>
    public int FillSize { get; init; } = 256;
    /// <summary>Relative depth jump that cuts the mesh and starts a background band (<see cref="LayerMesh.Discontinuous"/>).</summary>
    public double Threshold { get; init; } = LayerMesh.DefaultThreshold;
    /// <summary>How far the virtual cameras move (left, right, up, down), as a fraction of the photo's median depth.</summary>
    public double Baseline { get; init; } = 0.05;
    /// <summary>The widest background band, as a fraction of the photo's long side.</summary>
    public double MaxBand { get; init; } = 0.08;
    /// <summary>Pixels added to each band beyond the disocclusion the virtual cameras open.</summary>
    public int BandMargin { get; init; } = 2;
    /// <summary>Over-relaxed Gauss-Seidel sweeps of the harmonic fills (band depth, and colour nothing generated).</summary>
    public int FillSweeps { get; init; } = 120;
    /// <summary>Radius (pixels) of the depth-edge sharpening window; null: about 1/96 of the long side; 0: off.</summary>
    public int? SharpenRadius { get; init; }
    /// <summary>Seed of the first virtual view's generation (the others use the next seeds).</summary>
    public long Seed { get; init; }

    public void Check()
    {
        if (MaxSize is < 8 or > 8192) throw new UserError($"--max-size must be 8 to 8192 pixels, got {MaxSize}");
        if (FillSize is < 8 or > 8192) throw new UserError($"the fill size must be 8 to 8192 pixels, got {FillSize}");
        if (!(Threshold > 0) || !double.IsFinite(Threshold)) throw new UserError($"the discontinuity threshold must be positive, got {Threshold}");
        if (!(Baseline > 0) || Baseline > 1) throw new UserError($"the virtual baseline must be in (0, 1] of the median depth, got {Baseline}");
        if (!(MaxBand > 0) || MaxBand > 1) throw new UserError($"the widest band must be in (0, 1] of the long side, got {MaxBand}");
        if (BandMargin < 0) throw new UserError($"the band margin must not be negative, got {BandMargin}");
        if (SharpenRadius is < 0) throw new UserError($"the sharpening radius must not be negative, got {SharpenRadius}");
        if (FillSweeps < 1) throw new UserError($"fill sweeps must be positive, got {FillSweeps}");
    }
}
