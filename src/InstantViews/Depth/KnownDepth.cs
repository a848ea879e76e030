namespace InstantViews.Depth;

/// <summary>One pixel of known depth (image coordinates of the pixel's column and row, metres) for fitting scale and shift.</summary>
public readonly record struct KnownDepth(int X, int Y, double Depth);
