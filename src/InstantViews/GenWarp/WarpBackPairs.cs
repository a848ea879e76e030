using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Scenes;
using static TorchSharp.torch;

namespace InstantViews.GenWarp;

/// <summary>
/// Warp-back pairs drawn from real photographs (<see cref="WarpBackPair"/>): pair i depends only on the photos, their
/// depth, the settings and (seed, i), so a run can be resumed or shared out. Each photo's depth is estimated once, at
/// the photo's size; a pair crops photo and depth alike (<see cref="WarpBackSettings"/>).
/// </summary>
public sealed class WarpBackPairs : INovelViewPairSource
{
    readonly List<(string Name, Tensor Rgb, Tensor Depth)> photos;
    public WarpBackSettings Settings { get; }
    public long Seed { get; }
    public int PhotoCount => photos.Count;

    /// <summary>Photos [3,H,W] in [-1, 1] with their depth [H,W] (kept, not copied).</summary>
    public WarpBackPairs(IReadOnlyList<(string Name, Tensor Rgb, Tensor Depth)> photos, WarpBackSettings settings, long seed)
    {
        settings.Check();
        if (photos.Count == 0) throw new ArgumentException("no photos to draw pairs from", nameof(photos));
        foreach (var (name, rgb, depth) in photos) DepthValidation.Require(depth, (int)rgb.shape[1], (int)rgb.shape[2], $"photo '{name}'");
        (this.photos, Settings, Seed) = ([.. photos], settings, seed);
    }

    /// <summary>The identity of the photos (<see cref="PhotoCorpus.Hash"/>) when drawn from a corpus, else empty.</summary>
    public string PhotosHash { get; private init; } = "";

    /// <summary>The corpus's photos with depth from <paramref name="depth"/>, estimated once per photo.</summary>
    public static WarpBackPairs FromCorpus(PhotoCorpus corpus, IDepthEstimator depth, WarpBackSettings settings, long seed)
    {
        using var noGrad = no_grad();
        var photos = corpus.Photos.Select(p =>
        {
            var rgb = p.ToTensor();
            var camera = Camera.FromFov(p.Width, p.Height, settings.FovDegrees);
            return (p.Name, rgb, depth.Estimate(rgb, camera).to_type(ScalarType.Float32).cpu().contiguous());
        }).ToList();
        return new WarpBackPairs(photos, settings, seed) { PhotosHash = corpus.Hash };
    }

    /// <summary>Pair <paramref name="index"/>: its photo's name and the pair at <see cref="WarpBackSettings.Size"/>.</summary>
    public (string Photo, WarpBackPair Pair) Pair(long index)
    {
        var s = Settings;
        var rng = new SceneRandom(Seed, index);
        var photo = rng.Next(0, photos.Count);
        var (name, rgb, depth) = photos[photo];
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        WarpBackPair? pair = null;
        for (int attempt = 0; attempt < s.Attempts; attempt++)
        {
            pair?.Dispose();
            using var scope = NewDisposeScope();
            // A square crop, area-resized to Size; the whole photo's focal length (in its pixels) is kept, so a small crop is a narrow view.
            var (x0, y0, side) = CropWindow(h, w, rng);
            var crop = Resize.To(rgb[.., y0..(y0 + side), x0..(x0 + side)], s.Size, s.Size, ResizeFilter.Area);
            var cropDepth = Resize.To(depth[y0..(y0 + side), x0..(x0 + side)].unsqueeze(0), s.Size, s.Size, ResizeFilter.Nearest).squeeze(0);
            var sharp = DepthSharpening.Sharpen(cropDepth.contiguous(), s.SharpenThreshold);
            // An occluder, by chance at each attempt (drawn only when asked for, so the pairs without are as before): another
            // photo's crop in a blob.
            if (s.Occluders > 0 && rng.Chance(s.Occluders)) (crop, sharp, _) = WarpBackOccluder.Paste(crop, sharp, Texture(photo, rng), rng);
            var fx = w / (2 * Math.Tan(s.FovDegrees * Math.PI / 360)) * s.Size / side;
            var camera = new Camera(fx, fx, s.Size / 2.0, s.Size / 2.0, s.Size, s.Size, Mat3.Identity, Vec3.Zero);
            var moved = WarpBackCamera.Stereo(camera, sharp, rng, s.MaxDisparity);
            var made = WarpBackPair.Make(crop.contiguous(), sharp, camera, moved);
            pair = made.MoveToOuterDisposeScope();
            var share = HoleShare(pair);
            if (share >= s.MinHoles && share <= s.MaxHoles) break;
        }
        return (name, pair!);
    }

    /// <summary>
    /// An occluder's texture [3,Size,Size]: a square crop of another photo (the same one when it is the only one), its
    /// side a fraction in [MinCrop, MaxCrop] of that photo's short side, area-resized.
    /// </summary>
    Tensor Texture(int photo, SceneRandom rng)
    {
        var other = photos.Count == 1 ? photo : rng.Next(0, photos.Count - 1) is var j && j >= photo ? j + 1 : j;
        var rgb = photos[other].Rgb;
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        var (x0, y0, side) = CropWindow(h, w, rng);
        return Resize.To(rgb[.., y0..(y0 + side), x0..(x0 + side)], Settings.Size, Settings.Size, ResizeFilter.Area);
    }

    /// <summary>A square window of a photo of <paramref name="h"/> x <paramref name="w"/>: its side a fraction in [MinCrop, MaxCrop] of the short side (at least 2), anywhere inside.</summary>
    (int X0, int Y0, int Side) CropWindow(int h, int w, SceneRandom rng)
    {
        var side = Math.Clamp((int)Math.Round(rng.Uniform(Settings.MinCrop, Settings.MaxCrop) * Math.Min(h, w)), 2, Math.Min(h, w));
        int x0 = rng.Next(0, w - side + 1), y0 = rng.Next(0, h - side + 1);
        return (x0, y0, side);
    }

    /// <summary>The pairs of <paramref name="indices"/> at <see cref="WarpBackSettings.Size"/>: sources, their depth and cameras, and targets (the photos' crops).</summary>
    public (WarpInputs Inputs, Tensor Targets) Pairs(IReadOnlyList<long> indices)
    {
        var made = indices.Select(i => Pair(i).Pair).ToList();
        try
        {
            var inputs = new WarpInputs(stack(made.Select(p => p.Source).ToArray()), stack(made.Select(p => p.SourceDepth).ToArray()),
                made.Select(p => p.SourceCamera).ToList(), made.Select(p => p.TargetCamera).ToList());
            return (inputs, stack(made.Select(p => p.Target).ToArray()));
        }
        finally
        {
            foreach (var p in made) p.Dispose();
        }
    }

    /// <summary>The share of the target's pixels the source does not reach after the round trip.</summary>
    public static double HoleShare(WarpBackPair pair)
    {
        using var scope = NewDisposeScope();
        using var back = ForwardSplat.Warp(pair.Source, pair.SourceDepth, pair.SourceCamera, pair.TargetCamera);
        return back.HoleMask.mean().item<float>();
    }

    public void Dispose()
    {
        foreach (var (_, rgb, depth) in photos)
        {
            rgb.Dispose();
            depth.Dispose();
        }
    }
}
