using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Scenes;

/// <summary>A plain folder of images (searched recursively) for unconditional training: no cameras, no depth.</summary>
public static class ImageFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    /// <summary>Image files under <paramref name="folder"/>, sorted, skipping depth maps written next to frames.</summary>
    public static IReadOnlyList<string> List(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserError($"'{folder}': folder not found");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()) && !f.Contains(".depth.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new UserError($"'{folder}': no images (.png, .jpg, .webp) found");
        return files;
    }

    /// <summary>Reads an image resized to <paramref name="width"/> x <paramref name="height"/>: [3, H, W] in [-1, 1].</summary>
    public static Tensor Load(string path, int width, int height)
    {
        using var scope = NewDisposeScope();
        var image = ImageFile.Read(path);
        var resized = image.shape[1] == height && image.shape[2] == width ? image : Resize.To(image, height, width);
        return resized.MoveToOuterDisposeScope();
    }
}
