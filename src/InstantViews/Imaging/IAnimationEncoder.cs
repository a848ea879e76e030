namespace InstantViews.Imaging;

/// <summary>An animation format's encoder: frames of packed RGB bytes written as they come, then the file's end.</summary>
public interface IAnimationEncoder
{
    /// <summary>Encodes one frame, packed RGB (H x W x 3) at the size the encoder was made for.</summary>
    void Add(ReadOnlySpan<byte> rgb);

    /// <summary>Writes what ends the file.</summary>
    void Finish();
}
