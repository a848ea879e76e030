using InstantViews.Imaging;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>A finite stream of RGB images [n,3,H,W] in [-1, 1]: a folder, generated scenes, a model's samples.</summary>
public interface IImageSource : IDisposable
{
    /// <summary>Number of images the source yields in total.</summary>
    long Count { get; }

    /// <summary>Describes the source (recorded in feature caches).</summary>
    string Description { get; }

    /// <summary>The next <paramref name="n"/> images (fewer at the end).</summary>
    Tensor NextBatch(int n);
}

/// <summary>An image source backed by a batch function, e.g. a procedural renderer or a generator.</summary>
/// <paramref name="owner"/> (e.g. the renderer behind the function) is disposed with the source.
public sealed class DelegateImageSource(string description, long count, Func<int, Tensor> next, IDisposable? owner = null) : IImageSource
{
    long produced;
    public long Count => count;
    public string Description => description;

    public Tensor NextBatch(int n)
    {
        var k = (int)Math.Min(n, count - produced);
        produced += k;
        return next(k);
    }

    public void Dispose() => owner?.Dispose();
}

/// <summary>The real images every distribution metric compares against: evaluation-split scene views.</summary>
public static class SceneImages
{
    /// <summary><paramref name="count"/> views of evaluation scenes (seeds from 1,000,000 + <paramref name="seed"/>) at res x res, rendered ahead on background threads.</summary>
    public static IImageSource Eval(int res, long count, long seed, int spp = 4)
    {
        var stream = new SceneStream(new SceneStreamConfig(res, res, spp, SceneSplit.Eval, seed));
        return new DelegateImageSource($"scenes {res}x{res}, {count} eval views, seed {seed}", count, stream.NextBatch, stream);
    }
}

/// <summary>The image files of a folder in name order; images of another size are resized to the first one's size.</summary>
public sealed class FolderImageSource : IImageSource
{
    readonly IReadOnlyList<string> files;
    int next;
    (int H, int W)? size;

    public FolderImageSource(string folder)
    {
        files = ImageFolder.List(folder, recursive: false);
        Description = $"folder {Path.GetFullPath(folder)} ({files.Count} images)";
    }

    public long Count => files.Count;
    public string Description { get; }

    public Tensor NextBatch(int n)
    {
        using var scope = NewDisposeScope();
        var batch = new List<Tensor>();
        for (; batch.Count < n && next < files.Count; next++)
        {
            var img = ImageFile.Read(files[next]);
            size ??= ((int)img.shape[1], (int)img.shape[2]);
            if (img.shape[1] != size.Value.H || img.shape[2] != size.Value.W) img = Resize.To(img, size.Value.H, size.Value.W);
            batch.Add(img);
        }
        return stack(batch).MoveToOuterDisposeScope();
    }

    public void Dispose() { }
}
