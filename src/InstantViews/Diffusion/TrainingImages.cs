using InstantViews.Imaging;
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
        // Indices depend only on (seed, step), so a resumed run draws the same batches (a fixed mix, never a
        // process-randomised hash).
        var rng = new Random(StepSeeds.Mix(seed, step));
        var idx = Enumerable.Range(0, count).Select(_ => (long)rng.Next(Count)).ToArray();
        return images.index_select(0, tensor(idx));
    }
}

/// <summary>
/// Endless procedural scene views (training seeds): the batch of step s holds views s*count ... s*count+count-1,
/// rendered in parallel, so a resumed run sees exactly the views an uninterrupted one would. Small resolutions use
/// many samples per pixel so that a view matches the area-downsampling of a high-resolution render.
/// </summary>
public sealed class SceneTrainingImages(int height, int width, long seed, int? spp = null) : ITrainingImages, IDisposable
{
    readonly SceneStream stream = new(new SceneStreamConfig(width, height, spp ?? (Math.Max(width, height) <= 32 ? 16 : 4), SceneSplit.Train, seed));
    public int Channels => 3;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public string Description => $"streamed procedural scenes at {Width}x{Height}, {stream.Config.Spp} spp";
    public Tensor NextBatch(int count, long step)
    {
        var plane = 3 * Width * Height;
        var data = new float[count * plane];
        Parallel.For(0, count, i => stream.RenderView(step * count + i).WriteChw(data.AsSpan(i * plane, plane)));
        return tensor(data, [count, 3, Height, Width]);
    }
    public void Dispose() => stream.Dispose();
}

/// <summary>Seeds from (run seed, step) with a fixed 64-bit mix (SplitMix64's finaliser), the same in every process.</summary>
static class StepSeeds
{
    public static int Mix(long seed, long step)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)step);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }
}

/// <summary>Opens a training source by name: a folder path, or "scenes" for streamed procedural scenes.</summary>
public static class TrainingImages
{
    public static ITrainingImages Open(string spec, int resolution, long seed) => spec == "scenes"
        ? new SceneTrainingImages(resolution, resolution, seed)
        : new FolderTrainingImages(spec, resolution, resolution, seed);
}
