using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>
/// A plain folder of images (PNG, JPEG, WebP): the one reader behind training on a folder, folder image sources for
/// the metrics and per-file evaluation. Depth maps written next to frames (*.depth.*) are not images of the set.
/// </summary>
public static class ImageFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    /// <summary>Image files in <paramref name="folder"/> (and its subfolders when <paramref name="recursive"/>), sorted by path.</summary>
    public static IReadOnlyList<string> List(string folder, bool recursive = true)
    {
        if (!Directory.Exists(folder)) throw new UserError($"'{folder}': folder not found");
        var files = Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()) && !Path.GetFileName(f).Contains(".depth.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new UserError($"'{folder}': no images (.png, .jpg, .jpeg, .webp) found");
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
