using InstantViews.Depth;
using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Bench;

/// <summary>`bench depth-views [PHOTOS] [OUT]`: a contact sheet of built-in depth v2's training views (RGB over depth) and their rate.</summary>
public static class DepthViewsBench
{
    public static void Run(string? photosDir, string outPath)
    {
        var photos = photosDir is null ? null : PhotoCorpus.Load(photosDir);
        var views = new DepthTrainingViews(256, 192, 2, 0, photos);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (rgb, depth, _) = views.Batch(0, 16);
        var rate = 16 / sw.Elapsed.TotalSeconds;
        var tiles = new List<Tensor>();
        for (int i = 0; i < 16; i++)
        {
            var d = depth[i].contiguous().data<float>().ToArray();
            tiles.Add(rgb[i]);
            tiles.Add(DepthColormap.ToImage(d, 256, 192));
        }
        var sheet = ImageGrid.Tile(tiles, 8);
        if (Path.GetExtension(outPath).ToLowerInvariant() is ".jpg" or ".jpeg")
            AtomicFile.Write(outPath, ImageFile.Encode(sheet, SkiaSharp.SKEncodedImageFormat.Jpeg, 85));
        else ImageFile.Write(outPath, sheet);
        Console.WriteLine($"depth training views: 16 at 256x192 in {sw.Elapsed.TotalSeconds:0.00} s ({rate:0.0} views/s{(photos is null ? ", procedural textures only" : $", {photos.Photos.Count} photos")}); wrote {outPath}");
    }
}
