namespace InstantViews.Nn;

/// <summary>Named U-Net configs: the shipped teacher's and a tiny one for smoke runs.</summary>
public static class UNetPresets
{
    public static readonly IReadOnlyDictionary<string, UNetConfig> All = new Dictionary<string, UNetConfig>
    {
        // The scene teacher: 16x16 base resolution (PaGoDA grows from it), attention at 8x8.
        ["teacher16"] = new UNetConfig { Resolution = 16, Channels = 32, ChannelMult = [1, 2, 2], BlocksPerLevel = 2, AttentionResolutions = [8], Heads = 4 },
        ["teacher32"] = new UNetConfig { Resolution = 32, Channels = 64, ChannelMult = [1, 2, 2, 2], BlocksPerLevel = 2, AttentionResolutions = [8], Heads = 4 },
        ["tiny"] = new UNetConfig { Resolution = 8, Channels = 8, ChannelMult = [1, 2], BlocksPerLevel = 1, AttentionResolutions = [4], Heads = 2 },
    };
}
