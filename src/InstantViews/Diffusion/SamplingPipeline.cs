using System.Diagnostics;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Diffusion;

/// <summary>What a sampling run made: images written, generation seconds per image, network evaluations per image.</summary>
public sealed record SamplingResult(int Count, double SecondsPerImage, int NfePerImage);

/// <summary>
/// Batched sampling for any generator (a diffusion sampler, a one-step generator): each batch is written as it is
/// made (00000.png, 00001.png, ...), so memory does not grow with the count; grid.png shows the first
/// <see cref="GridLimit"/> images. Seconds per image count generation only, not writing.
/// </summary>
public static class SamplingPipeline
{
    public const int GridLimit = 64;

    /// <summary><paramref name="generate"/> maps a batch size to (images [b,C,H,W] in [-1, 1], evaluations per image).</summary>
    public static SamplingResult Run(Func<int, (Tensor Images, int Nfe)> generate, int count, int batch, string dir, string name = "sampling")
    {
        if (count < 1) throw new UserError($"image count must be at least 1, got {count}");
        if (batch < 1) throw new UserError($"batch size must be at least 1, got {batch}");
        Directory.CreateDirectory(dir);
        var gridImages = new List<Tensor>();
        SamplingResult result;
        using (var progress = Progress.Start(name, count, "images"))
            result = Loop(generate, count, batch, (images, done) =>
            {
                for (int i = 0; i < images.shape[0]; i++)
                {
                    ImageFile.Write(Path.Combine(dir, $"{done + i:D5}.png"), images[i]);
                    if (gridImages.Count < GridLimit) gridImages.Add(images[i].clone().DetachFromDisposeScope());
                }
                progress.Advance((int)images.shape[0]);
            });
        ImageGrid.WriteGrid(Path.Combine(dir, "grid.png"), gridImages);
        foreach (var t in gridImages) t.Dispose();
        return result;
    }

    /// <summary>The same batched loop, keeping the images in memory ([count,C,H,W] on the CPU) instead of writing them (benchmarks).</summary>
    public static (Tensor Images, SamplingResult Result) Collect(Func<int, (Tensor Images, int Nfe)> generate, int count, int batch)
    {
        var parts = new List<Tensor>();
        var result = Loop(generate, count, batch, (images, _) => parts.Add(images.clone().DetachFromDisposeScope()));
        var all = cat(parts);
        foreach (var t in parts) t.Dispose();
        return (all, result);
    }

    /// <summary>Generates <paramref name="count"/> images in batches and hands each batch (clamped, on the CPU) to <paramref name="consume"/>; times generation only.</summary>
    static SamplingResult Loop(Func<int, (Tensor Images, int Nfe)> generate, int count, int batch, Action<Tensor, int> consume)
    {
        var clock = new Stopwatch();
        var nfe = 0;
        for (int done = 0; done < count; done += batch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = inference_mode();
            var b = Math.Min(batch, count - done);
            clock.Start();
            var (images, n) = generate(b);
            images = images.clamp(-1, 1).cpu();
            clock.Stop();
            nfe = n;
            consume(images, done);
        }
        return new SamplingResult(count, clock.Elapsed.TotalSeconds / count, nfe);
    }
}
