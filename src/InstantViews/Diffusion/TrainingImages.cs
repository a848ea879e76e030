using InstantViews.Imaging;
using InstantViews.Runtime;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>Where training images come from: batches [N,C,H,W] in [-1, 1].</summary>
public interface ITrainingImages
{
    /// <summary>A batch for a given training step. Sources that can be deterministic in the step are (for exact resume).</summary>
    Tensor NextBatch(int count, long step);
    int Channels { get; }
    int Height { get; }
    int Width { get; }
    string Description { get; }
}

/// <summary>All images of a folder (PNG/JPEG/WebP), resized to the training resolution and kept in memory.</summary>
public sealed class FolderTrainingImages : ITrainingImages
{
    readonly Tensor images;
    readonly long seed;
    public int Channels => 3;
    public int Height { get; }
    public int Width { get; }
    public string Description { get; }
    public int Count => (int)images.shape[0];
    public IReadOnlyList<string> Files { get; } = [];

    /// <summary>The i-th image [C,H,W].</summary>
    public Tensor Image(int i) => images[i];

    public FolderTrainingImages(string folder, int height, int width, long seed = 0)
    {
        var files = ImageFolder.List(folder);
        var list = files.Select(f => ImageFolder.Load(f, width, height)).ToList();
        images = stack(list.ToArray()).DetachFromDisposeScope();
        Files = files;
        foreach (var t in list) t.Dispose();
        Height = height;
        Width = width;
        this.seed = seed;
        Description = $"{files.Count} images from {folder} at {width}x{height}";
    }

    public FolderTrainingImages(Tensor images, long seed = 0)
    {
        this.images = images;
        this.seed = seed;
        Height = (int)images.shape[2];
        Width = (int)images.shape[3];
        Description = $"{images.shape[0]} in-memory images at {Width}x{Height}";
    }

    public Tensor NextBatch(int count, long step)
    {
        // Indices depend only on (seed, step), so a resumed run draws the same batches.
        var rng = new Random(HashCode.Combine(seed, step));
        var idx = Enumerable.Range(0, count).Select(_ => (long)rng.Next(Count)).ToArray();
        return images.index_select(0, tensor(idx));
    }
}

/// <summary>
/// Endless procedural scene views rendered on background threads (training seeds). Small resolutions use
/// many samples per pixel so that a view matches the area-downsampling of a high-resolution render.
/// Streamed batches are not replayed on resume: a resumed run simply sees fresh views.
/// </summary>
public sealed class SceneTrainingImages(int height, int width, long seed, int? spp = null) : ITrainingImages, IDisposable
{
    readonly SceneStream stream = new(new SceneStreamConfig(width, height, spp ?? (Math.Max(width, height) <= 32 ? 16 : 4), SceneSplit.Train, seed));
    public int Channels => 3;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public string Description => $"streamed procedural scenes at {Width}x{Height}, {stream.Config.Spp} spp";
    public Tensor NextBatch(int count, long step) => stream.NextBatch(count);
    public void Dispose() => stream.Dispose();
}

/// <summary>Opens a training source by name: a folder path, or "scenes" for streamed procedural scenes.</summary>
public static class TrainingImages
{
    public static ITrainingImages Open(string spec, int resolution, long seed) => spec == "scenes"
        ? new SceneTrainingImages(resolution, resolution, seed)
        : new FolderTrainingImages(spec, resolution, resolution, seed);
}
