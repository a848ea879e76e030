using InstantViews.Runtime;

namespace InstantViews.NovelViews;

/// <summary>Sizes of an interactive session: the photo's long side, and the long side of the generated fill views.</summary>
public sealed record PhotoViewSizes(int MaxSize = 1024, int FillSize = 256)
{
    public void Check()
    {
        if (MaxSize is < 8 or > 8192) throw new UserError($"the photo's maximum size must be 8 to 8192 pixels, got {MaxSize}");
        if (FillSize < 8 || FillSize > MaxSize) throw new UserError($"the fill views' size must be 8 to the photo's maximum size ({MaxSize}) pixels, got {FillSize}");
    }
}
