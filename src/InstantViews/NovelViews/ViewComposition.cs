using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.NovelViews;

/// <summary>
/// A novel view at the photo's own resolution: the full-resolution forward warp supplies every pixel the source sees,
/// the generated view (upsampled from the model's resolution) supplies the rest. Inside the holes the two are blended
/// across a feathered seam: a pixel at distance d (pixels) into a hole takes
/// alpha = clamp(d / feather, 0, 1) of the generated view and 1 - alpha of the warp's colours extended into the hole
/// (a normalised Gaussian fill of the visible pixels), so the seam shows no step; visible pixels are the warp's, exactly.
/// <see cref="CompositionSettings"/> set the seam's width, a rule for cracks (they take the extended colours) and a
/// colour matching or a Poisson composition of the generated view to the warp.
/// </summary>
public static class ViewComposition
{
    /// <summary>
    /// Composes the full-resolution warp [3,H,W] (values in [-1, 1]) and its hole mask [H,W] (1 = hole) with a generated
    /// view [3,h,w] of the same camera at any resolution and the same aspect ratio. Returns [3,H,W].
    /// </summary>
    public static Tensor Compose(Tensor warped, Tensor holes, Tensor generated, CompositionSettings? settings = null, Tensor? depth = null)
    {
        using var plan = Plan(warped, holes, settings, depth);
        return plan.Compose(generated);
    }

    /// <summary>
    /// The part of <see cref="Compose"/> that reads the warp alone (the hole pixels, the seam's alpha at them and the warp's
    /// colours carried into the hole), so that it can be made while the view is being generated. The plan keeps
    /// <paramref name="warped"/> (not a copy): keep it alive until the plan is composed. <paramref name="depth"/> [H,W], the
    /// warp's depth, is read only with <see cref="CompositionSettings.FarSide"/>; without it the far side is not told from
    /// the near side and every seen pixel counts.
    /// </summary>
    public static CompositionPlan Plan(Tensor warped, Tensor holes, CompositionSettings? settings = null, Tensor? depth = null)
    {
        var s = (settings ?? CompositionSettings.Default).Check();
        using var scope = NewDisposeScope();
        var (h, w) = ((int)warped.shape[1], (int)warped.shape[2]);
        var feather = s.Feather(h, w);
        var holeMask = holes.gt(0.5f);
        // Only hole pixels change: they are gathered (their flat indices), computed, and written into a copy of the warp.
        var at = holeMask.flatten().nonzero().squeeze(1);
        if (at.shape[0] == 0) return new CompositionPlan(warped, at.MoveToOuterDisposeScope(), null, null, null, null, null, 0, 0, s);
        var visible = 1 - holeMask.to_type(ScalarType.Float32).unsqueeze(0);
        // The seam is computed at 1/k resolution (k so that it spans about 4 px there), then sampled at the hole pixels
        // (bilinear): a wide seam on a large photo costs what a narrow one costs on a small one.
        var k = Math.Max(1, feather / 4);
        var (hs, ws) = ((h + k - 1) / k, (w + k - 1) / k);
        var (warpedSmall, visibleSmall) = Seen(warped, visible, hs, ws);
        var seam = feather == 0 ? 0 : Math.Max(1, (int)Math.Round((double)feather / k));
        // Distance into the hole, up to the seam width: repeated 3x3 max-pool dilation of the (partly) visible mask.
        var depthInto = zeros_like(visibleSmall);
        var reach = visibleSmall.gt(0.5f).to_type(ScalarType.Float32).unsqueeze(0);
        for (int i = 1; i <= seam; i++)
        {
            reach = F.max_pool2d(reach, 3, stride: 1, padding: 1);
            depthInto = depthInto + (1 - reach.squeeze(0));
        }
        var alphaSmall = (depthInto + 1).div(seam + 1).clamp(0, 1);
        var cracks = s.SmallHoleRadius > 0 ? Cracks(holeMask, s.SmallHoleRadius) : null;
        // The seam's alpha at the hole pixels (bilinear, as Resize.To, read at the pixel's centre); 0 on cracks.
        var alpha = Resize.At(alphaSmall, at, h, w, ResizeFilter.Bilinear).clamp(0, 1);
        if (cracks is not null) alpha = alpha * cracks.flatten().index_select(0, at).logical_not().to_type(ScalarType.Float32).unsqueeze(0);
        // The Poisson composition's harmonic fill of the warp, at the hole pixels, reads the warp alone (none when no pixel
        // is seen: the generated view is composed as without it); from the far side only, the occluders beside the holes
        // give it nothing (see CompositionSettings.FarSide), nor the fill its detail is measured against.
        var poisson = s.PoissonDetail is not null && at.shape[0] < h * w;
        var near = poisson && s.FarSide is { } margin && depth is not null ? Occluders(holeMask, depth, 1, s.FarSidePixels(h, w), margin) : null;
        var harmonic = !poisson ? null
            : HoleFill.Harmonic(warped, holeMask.to_type(ScalarType.Float32), blocked: near).view(warped.shape[0], -1).index_select(1, at).MoveToOuterDisposeScope();
        // The Poisson composition weighs the generated view's detail by the seam's alpha times the detail share, per hole
        // pixel: its share, or the enclosed holes' own.
        if (harmonic is not null && s.PoissonDetail is { } share)
        {
            alpha = s.EnclosedDetail is { } inside && inside != share
                ? alpha * (Enclosed(holeMask).flatten().index_select(0, at).to_type(ScalarType.Float32).unsqueeze(0) * (float)(inside - share) + (float)share)
                : alpha * (float)share;
        }
        // The seam composition: the warp's colours carried into the hole (normalised Gaussian fill), as far as the seam
        // and the cracks need; where none reach, the generated view. The Poisson composition has its harmonic fill instead.
        Tensor? carried = null, unreached = null;
        if (harmonic is null)
        {
            var radius = Math.Max(seam, cracks is null ? 0 : (s.SmallHoleRadius + k - 1) / k);
            // From the far side: the occluders within the fill's reach (at the view's size) give it nothing. A hard paste
            // without a small-hole rule carries nothing, so it has no far side to find.
            var (fillColours, fillShare) = s.FarSide is not { } m || depth is null || radius == 0 ? (warpedSmall, visibleSmall)
                : Seen(warped, visible * Occluders(holeMask, depth, radius * k, s.FarSidePixels(h, w), m).logical_not().unsqueeze(0), hs, ws);
            var fill = NormalisedFill(fillColours, fillShare, radius);
            var reached = fill.Weight.gt(1e-3f).to_type(ScalarType.Float32);
            (carried, unreached) = ((fill.Colour * reached).MoveToOuterDisposeScope(), (1 - reached).MoveToOuterDisposeScope());
        }
        // Colour matching and the Poisson composition read the visible mask again once the generated view's size is known.
        return new CompositionPlan(warped, at.MoveToOuterDisposeScope(), alpha.MoveToOuterDisposeScope(), carried, unreached,
            s.ColourMatch > 0 || s.PoissonDetail is not null ? visible.MoveToOuterDisposeScope() : null, harmonic, hs, ws, s,
            near?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The warp's visible colours [C,h,w] and the visible share of each pixel [1,h,w] at <paramref name="height"/> x
    /// <paramref name="width"/>: <paramref name="warped"/> [C,H,W] times <paramref name="visible"/> [1,H,W] and the mask,
    /// area-downsampled in one call (channels are resized independently), or as they are at their own size.
    /// </summary>
    internal static (Tensor Colours, Tensor Share) Seen(Tensor warped, Tensor visible, int height, int width)
    {
        var both = cat([warped * visible, visible], 0);
        if (height != warped.shape[1] || width != warped.shape[2]) both = Resize.To(both, height, width, ResizeFilter.Area);
        var channels = (int)warped.shape[0];
        return (both[..channels], both[channels..]);
    }

    /// <summary>
    /// The hole pixels [H,W] (bool) that a morphological opening (erosion, then dilation, by a (2r+1)-pixel square)
    /// of the hole mask removes: cracks and slivers at most 2r pixels wide. Outside the image counts as hole.
    /// </summary>
    public static Tensor Cracks(Tensor holeMask, int radius)
    {
        using var scope = NewDisposeScope();
        var hole = holeMask.to_type(ScalarType.Float32).unsqueeze(0).unsqueeze(0);
        var size = 2 * radius + 1;
        var eroded = 1 - F.max_pool2d(1 - hole, size, stride: 1, padding: radius);
        var opened = F.max_pool2d(eroded, size, stride: 1, padding: radius);
        return hole.gt(0.5f).logical_and(opened.lt(0.5f)).squeeze(0).squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The occluders beside a warp's holes [H,W] (bool): seen pixels within <paramref name="reach"/> pixels of a hole
    /// (a square window) that lie in front of the farthest seen pixel within <paramref name="across"/> pixels by more than
    /// <paramref name="threshold"/> (depth x (1 + threshold) &lt; that farthest depth). Beside a disocclusion these are
    /// the near side, the object that uncovered the hole, whose colour is not what lies behind it; the far side and a
    /// surface that merely slopes (within the threshold over the window) are not. <paramref name="holes"/> [H,W] (1 or
    /// true = hole), <paramref name="depth"/> [H,W] the warp's depth (read at seen pixels only).
    /// </summary>
    public static Tensor Occluders(Tensor holes, Tensor depth, int reach, int across, double threshold)
    {
        if (reach < 1 || across < 1) throw new ArgumentException($"reach and across must be at least 1 pixel, got {reach} and {across}");
        if (!(threshold >= 0)) throw new ArgumentException($"threshold must be 0 or more, got {threshold}");
        using var scope = NewDisposeScope();
        var hole = holes.to_type(ScalarType.Float32).gt(0.5f);
        var seen = hole.logical_not();
        var d = depth.to_type(ScalarType.Float32).clamp_min(0);
        var farthest = WindowMax(WindowMax(where(seen, d, zeros_like(d)), across, 1), across, 0);
        var nearHole = WindowMax(WindowMax(hole.to_type(ScalarType.Float32), reach, 1), reach, 0).gt(0.5f);
        return (seen & nearHole & (d * (float)(1 + threshold)).lt(farthest)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The harmonic fill of a warp's holes from the far side only: the <see cref="Occluders"/> beside them (depth margin
    /// <paramref name="margin"/>, the far side looked for within <paramref name="reach"/> of the long side, as
    /// <see cref="CompositionSettings.FarSide"/> and <see cref="CompositionSettings.FarSideReach"/>) are a reflecting wall.
    /// The classical depth-aware fill, with no model: <paramref name="warped"/> [C,H,W], <paramref name="holes"/> [H,W]
    /// (1 = hole), <paramref name="depth"/> [H,W] the warp's depth.
    /// </summary>
    public static Tensor HarmonicFromFarSide(Tensor warped, Tensor holes, Tensor depth, double margin, double reach)
    {
        using var scope = NewDisposeScope();
        var (h, w) = ((int)holes.shape[0], (int)holes.shape[1]);
        var across = new CompositionSettings { FarSide = margin, FarSideReach = reach }.Check().FarSidePixels(h, w);
        var near = Occluders(holes, depth, 1, across, margin);
        return HoleFill.Harmonic(warped, holes.to_type(ScalarType.Float32).gt(0.5f).to_type(ScalarType.Float32), blocked: near).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The maximum of <paramref name="x"/> [H,W] (values 0 or more; outside the image counts as 0) over the window of
    /// r pixels either side along dimension <paramref name="dim"/> (0: rows, 1: columns), in log2(2r + 1) shifted
    /// maxima rather than 2r + 1 reads per pixel: windows of 1, 2, 4, ... pixels are doubled, then the two windows of the
    /// largest such length that cover the span are joined.
    /// </summary>
    internal static Tensor WindowMax(Tensor x, int r, int dim)
    {
        if (r == 0) return x;
        var n = (int)x.shape[dim];
        var length = 2 * r + 1;
        // Padded by r before and r after: position p of the result is the window [p, p + 2r] of the padded line.
        var padded = dim == 1 ? F.pad(x, [r, r, 0, 0]) : F.pad(x, [0, 0, r, r]);
        var span = 1;
        var m = padded;
        while (2 * span <= length)
        {
            var size = (int)m.shape[dim] - span;
            m = maximum(m.narrow(dim, 0, size), m.narrow(dim, span, size)); // m[p] = max over [p, p + 2 span)
            span *= 2;
        }
        // [p, p + length) = [p, p + span) joined with [p + length - span, p + length).
        return maximum(m.narrow(dim, 0, n), m.narrow(dim, length - span, n));
    }

    /// <summary>
    /// The enclosed hole pixels [H,W] (bool) of a hole mask [H,W] (bool): those whose hole region (4-connected) does not
    /// reach the frame's edge, so that seen pixels bound it on every side, as behind an object; the regions at the edge
    /// are what a camera step uncovers beside the frame.
    /// </summary>
    public static Tensor Enclosed(Tensor holeMask)
    {
        using var scope = NewDisposeScope();
        var (h, w) = ((int)holeMask.shape[0], (int)holeMask.shape[1]);
        var hole = holeMask.to(CPU).contiguous().to_type(ScalarType.Byte).data<byte>().ToArray();
        // Flood the hole regions from the frame's edge (breadth first); the hole pixels not reached are enclosed.
        var queue = new int[h * w];
        var (head, tail) = (0, 0);
        void Reach(int i)
        {
            if (hole[i] != 1) return;
            hole[i] = 2;
            queue[tail++] = i;
        }
        for (int x = 0; x < w; x++) { Reach(x); Reach((h - 1) * w + x); }
        for (int y = 0; y < h; y++) { Reach(y * w); Reach(y * w + w - 1); }
        while (head < tail)
        {
            var i = queue[head++];
            var (y, x) = (i / w, i % w);
            if (x > 0) Reach(i - 1);
            if (x < w - 1) Reach(i + 1);
            if (y > 0) Reach(i - w);
            if (y < h - 1) Reach(i + w);
        }
        for (int i = 0; i < hole.Length; i++) hole[i] = hole[i] == 1 ? (byte)1 : (byte)0;
        return tensor(hole, [h, w]).to_type(ScalarType.Bool).to(holeMask.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The normalised Gaussian fill of <paramref name="values"/> [C,H,W] over <paramref name="mask"/> [1,H,W] (radius in
    /// pixels, sigma half of it and at least 1): each pixel's Gaussian-weighted mean of the masked values, with the weight.
    /// </summary>
    internal static (Tensor Colour, Tensor Weight) NormalisedFill(Tensor values, Tensor mask, int radius)
    {
        var size = 2 * radius + 1;
        var sigma = Math.Max(1.0, radius / 2.0);
        var x = arange(size, dtype: ScalarType.Float32) - radius;
        var g = (-(x * x) / (2 * sigma * sigma)).exp();
        g = g / g.sum();
        Tensor Blur(Tensor t)
        {
            var c = t.shape[0];
            var b = t.unsqueeze(0);
            b = F.conv2d(b, g.view(1, 1, 1, size).expand(c, 1, 1, size).to(t.device), padding: [0, radius], groups: c);
            b = F.conv2d(b, g.view(1, 1, size, 1).expand(c, 1, size, 1).to(t.device), padding: [radius, 0], groups: c);
            return b.squeeze(0);
        }
        var weight = Blur(mask);
        return (Blur(values) / weight.clamp_min(1e-6f), weight);
    }

    /// <summary>The size a photo is worked at: its own, scaled down so that the long side is at most <paramref name="maxSize"/>.</summary>
    public static (int Height, int Width) CappedSize(int height, int width, int maxSize)
    {
        var scale = Math.Min(1.0, (double)maxSize / Math.Max(height, width));
        return (Math.Max(1, (int)Math.Round(height * scale)), Math.Max(1, (int)Math.Round(width * scale)));
    }

    /// <summary>
    /// <see cref="CappedSize"/> of a source image (<paramref name="name"/>, in errors), refusing a cap that would leave a side
    /// shorter than <see cref="SourceImages.MinSide"/>: the error names the image's size, the cap, the size it would give
    /// and the smallest cap that keeps both sides.
    /// </summary>
    public static (int Height, int Width) RequireCappedSize(string name, int height, int width, int maxSize)
    {
        int ShortSide(int cap) => CappedSize(height, width, cap) is var (ch, cw) ? Math.Min(ch, cw) : 0;
        var (h, w) = CappedSize(height, width, maxSize);
        if (Math.Min(h, w) >= SourceImages.MinSide) return (h, w);
        var least = maxSize;
        while (least < Math.Max(height, width) && ShortSide(least) < SourceImages.MinSide) least++;
        throw new UserError($"'{name}': image of {width}x{height} pixels capped to --max-size {maxSize} would be {w}x{h}; " +
                                    $"both sides must be at least {SourceImages.MinSide} pixels (use --max-size {least} or more)");
    }
}
