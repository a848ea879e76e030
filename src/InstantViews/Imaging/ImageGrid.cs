using static TorchSharp.torch;

namespace InstantViews.Imaging;

/// <summary>Tiles images into one picture, and writes animations of frames.</summary>
public static class ImageGrid
{
    /// <summary>Tiles [N,C,H,W] (or a list of [C,H,W] of one size) into rows of <paramref name="columns"/>, with a background-coloured gap.</summary>
    public static Tensor Tile(Tensor images, int columns, int gap = 2, double background = 1.0)
    {
        var n = (int)images.shape[0];
        var c = images.shape[1];
        var h = (int)images.shape[2];
        var w = (int)images.shape[3];
        columns = Math.Max(1, Math.Min(columns, n));
        var rows = (n + columns - 1) / columns;
        var grid = full(new long[] { c, rows * h + (rows + 1) * gap, columns * w + (columns + 1) * gap }, background, dtype: images.dtype);
        for (int i = 0; i < n; i++)
        {
            int r = i / columns, col = i % columns;
            int y = gap + r * (h + gap), x = gap + col * (w + gap);
            grid[.., y..(y + h), x..(x + w)] = images[i].detach().cpu();
        }
        return grid;
    }

    public static Tensor Tile(IReadOnlyList<Tensor> images, int columns, int gap = 2, double background = 1.0)
    {
        using var stacked = stack(images.Select(i => i.shape[0] == 1 ? i.expand(3, -1, -1) : i).ToArray());
        return Tile(stacked, columns, gap, background);
    }

    /// <summary>Writes frames [C,H,W] in [-1, 1] as an animated PNG, looping.</summary>
    public static void WriteAnimation(string path, IReadOnlyList<Tensor> frames, int delayMs = 100)
    {
        using var writer = AnimationWriter.Create(path, AnimationFormat.Png, (int)frames[0].shape[2], (int)frames[0].shape[1], frames.Count, delayMs);
        foreach (var f in frames) writer.Add(f);
        writer.Commit();
    }

    /// <summary>A square-ish contact sheet of images [C,H,W], enlarged (nearest) to at least 64 px per tile.</summary>
    public static void WriteGrid(string path, IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        var grid = Tile(images, (int)Math.Ceiling(Math.Sqrt(images.Count)));
        var scale = Math.Max(1, 64 / (int)images[0].shape[1]);
        if (scale > 1) grid = Resize.To(grid, (int)grid.shape[1] * scale, (int)grid.shape[2] * scale, ResizeFilter.Nearest);
        ImageFile.Write(path, grid);
    }
}
