using InstantViews.GenWarp;

namespace InstantViews.OneStep;

/// <summary>A one-step GenWarp: the teacher's architecture and the noise level its single evaluation starts from.</summary>
public sealed record OneStepGenWarpConfig
{
    public GenWarpConfig Model { get; init; } = new();
    /// <summary>z ~ N(0, SigmaMax^2 I); the generator evaluates the denoiser once, at this noise level.</summary>
    public double SigmaMax { get; init; } = 40;
    /// <summary>Growth levels (each doubles the output size; the noise and the conditions stay at the base resolution).</summary>
    public int Levels { get; init; }
    /// <summary>Channels of each growth level.</summary>
    public int LevelChannels { get; init; } = 32;
    /// <summary>What a growth level sees of the source at its own resolution: "warp" (the forward-warped source RGB and its hole mask) or "none".</summary>
    public string LevelGuide { get; init; } = "warp";

    public static readonly string[] LevelGuides = ["warp", "none"];

    /// <summary>Guide channels a growth level reads.</summary>
    public int GuideChannels => LevelGuide == "warp" ? 4 : 0;
}
