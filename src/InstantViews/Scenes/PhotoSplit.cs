namespace InstantViews.Scenes;

/// <summary>
/// Which photos of the real-photo corpus a use reads: all, those held out for choosing settings (validation: a photo
/// whose SHA-256 starts below 0x33, about a fifth, decided by the file alone so that adding photos moves none), or the
/// rest (training). The stereo benchmark's evaluation photos are in none of them.
/// </summary>
public enum PhotoSplit { All, Training, Validation }
