using System.Diagnostics;
using InstantViews.Geometry;
using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>What rendering a video of a lifted scene measured.</summary>
public sealed record SceneVideoResult(int Frames, int Width, int Height, double Seconds, double RenderMsPerFrame, double HoleFraction);

/// <summary>
/// Renders a <see cref="LayeredScene"/> along a list of cameras on the CPU (<see cref="LayeredSceneRenderer"/>) into an
/// animation file (<see cref="AnimationWriter"/>: MP4 through ffmpeg, GIF, animated PNG), one frame at a time; with
/// <c>eyeDistance</c> each frame is a side-by-side stereo pair (left eye on the left). Pixels no layer covers (the
/// frame's edges a moved camera uncovers, gaps the scene does not fill) are counted, then filled by the harmonic fill of
/// their surroundings.
/// </summary>
public static class SceneVideo
{
    public static SceneVideoResult Render(LayeredScene scene, IReadOnlyList<Camera> cameras, string path, AnimationFormat format, int delayMs,
        double? eyeDistance = null, Action? frameDone = null)
    {
        if (cameras.Count == 0) throw new ArgumentException("a video needs at least one camera");
        var clock = Stopwatch.StartNew();
        var renderer = new LayeredSceneRenderer(scene);
        int w = cameras[0].Width, h = cameras[0].Height;
        var frameWidth = eyeDistance is null ? w : 2 * w;
        double renderMs = 0, holes = 0;
        using var writer = AnimationWriter.Create(path, format, frameWidth, h, cameras.Count, delayMs);
        foreach (var camera in cameras)
        {
            using var scope = NewDisposeScope();
            var start = clock.Elapsed.TotalMilliseconds;
            Tensor frame;
            if (eyeDistance is { } d)
            {
                var (left, right) = VideoPath.Eyes(camera, d);
                var (l, lc) = renderer.Render(left);
                var (r, rc) = renderer.Render(right);
                frame = cat([Filled(l, lc), Filled(r, rc)], 2);
                holes += 1 - (lc.mean().item<float>() + rc.mean().item<float>()) / 2;
            }
            else
            {
                var (rgb, coverage) = renderer.Render(camera);
                frame = Filled(rgb, coverage);
                holes += 1 - coverage.mean().item<float>();
            }
            renderMs += clock.Elapsed.TotalMilliseconds - start;
            writer.Add(frame.clamp(-1, 1));
            frameDone?.Invoke();
        }
        writer.Commit();
        return new SceneVideoResult(cameras.Count, frameWidth, h, clock.Elapsed.TotalSeconds, renderMs / cameras.Count, holes / cameras.Count);
    }

    /// <summary>The render with its uncovered pixels filled harmonically (as it is where everything or nothing is covered).</summary>
    static Tensor Filled(Tensor rgb, Tensor coverage)
    {
        var holes = coverage.lt(0.5f).to_type(ScalarType.Float32);
        var share = holes.mean().item<float>();
        // Few sweeps: the holes are thin strips, and the coarse-to-fine start already carries the colours in.
        return share is > 0 and < 1 ? HoleFill.Harmonic(rgb, holes, iterations: 8) : rgb;
    }
}
