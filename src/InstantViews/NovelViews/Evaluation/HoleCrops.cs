using static TorchSharp.torch;

namespace InstantViews.NovelViews.Evaluation;

/// <summary>
/// Example crops of a stereo pair's holes (`eval stereo --crops`, docs/real-photos.md): the square windows of the
/// right view that hold the most occluded pixels, each shown in every fill's view with one depth (the truth's by
/// default, so only the fill differs) and in the real right photo, side by side. One row per window, one column per
/// fill in the benchmark's order, then the truth; white gaps between them.
/// </summary>
public sealed class HoleCrops(int count = 3, int side = 128, string depth = "true") : IDisposable
{
    /// <summary>White gap between crops, pixels.</summary>
    public const int Gap = 4;

    readonly List<(string Fill, Tensor View)> views = [];

    public int Count { get; } = count >= 1 ? count : throw new ArgumentOutOfRangeException(nameof(count), count, "at least one window");
    public int Side { get; } = side >= 8 ? side : throw new ArgumentOutOfRangeException(nameof(side), side, "windows are at least 8 px");
    public string Depth { get; } = depth;

    /// <summary>The fills kept so far, in the order the benchmark made them (the montage's columns before the truth).</summary>
    public IReadOnlyList<string> Fills => views.Select(v => v.Fill).ToList();

    /// <summary>
    /// A view saver for <see cref="StereoBenchmark.Run"/>: keeps a copy of every view made with <see cref="Depth"/>
    /// (named `DEPTH-FILL`) and hands every view on to <paramref name="next"/>.
    /// </summary>
    public Action<string, Tensor> Saver(Action<string, Tensor>? next = null) => (name, view) =>
    {
        if (name.StartsWith(Depth + "-", StringComparison.Ordinal))
            views.Add((name[(Depth.Length + 1)..], view.detach().clone().DetachFromDisposeScope()));
        next?.Invoke(name, view);
    };

    /// <summary>
    /// The montage [3, rows, columns] in [-1, 1] of the kept views and the real right photo [3,H,W], at the windows with
    /// the most holes of the benchmark's covisible mask [H,W] (<see cref="StereoResult.Covisible"/>).
    /// </summary>
    public Tensor Montage(Tensor right, Tensor covisible)
    {
        if (views.Count == 0) throw new InvalidOperationException($"no view with depth '{Depth}' was kept: pass Saver() to the benchmark first");
        using var scope = NewDisposeScope();
        var windows = Windows(1 - covisible, Count, Side);
        if (windows.Count == 0) throw new Runtime.UserError("the pair's right view has no occluded pixel: no hole to crop");
        var columns = views.Select(v => v.View).Append(right).ToList();
        return Tile(columns, windows, Math.Min(Side, (int)Math.Min(right.shape[1], right.shape[2])), Gap).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Up to <paramref name="count"/> windows (top-left y, x) of a square side (clipped to the mask's short side)
    /// over a hole mask [H,W] (1 = hole), most hole pixels first. Among windows tied at the most, the middle one in
    /// row-major order (so a hole smaller than the window sits near its centre). The holes within half a side of a
    /// chosen window are then no longer counted, so the next window shows another hole; windows stop when no hole is left.
    /// </summary>
    public static List<(int Y, int X)> Windows(Tensor holes, int count, int side)
    {
        if (holes.dim() != 2) throw new ArgumentException($"the hole mask must be [H, W], got [{string.Join(", ", holes.shape)}]");
        using var scope = NewDisposeScope();
        var (h, w) = ((int)holes.shape[0], (int)holes.shape[1]);
        var s = Math.Min(side, Math.Min(h, w));
        var left = holes.gt(0.5f).to_type(ScalarType.Float64).clone();
        var result = new List<(int, int)>();
        while (result.Count < count)
        {
            // Hole pixels in every window, by the summed-area table.
            var table = nn.functional.pad(left.cumsum(0).cumsum(1), [1, 0, 1, 0]);
            var sums = table[TensorIndex.Slice(s, h + 1), TensorIndex.Slice(s, w + 1)] - table[TensorIndex.Slice(0, h - s + 1), TensorIndex.Slice(s, w + 1)]
                     - table[TensorIndex.Slice(s, h + 1), TensorIndex.Slice(0, w - s + 1)] + table[TensorIndex.Slice(0, h - s + 1), TensorIndex.Slice(0, w - s + 1)];
            var most = sums.max().item<double>();
            if (most < 0.5) break;
            var tied = sums.flatten().ge(most - 0.5).nonzero().squeeze(1);
            var at = tied[tied.shape[0] / 2].item<long>();
            var (y, x) = ((int)(at / (w - s + 1)), (int)(at % (w - s + 1)));
            result.Add((y, x));
            var half = s / 2;
            left[TensorIndex.Slice(Math.Max(0, y - half), Math.Min(h, y + s + half)), TensorIndex.Slice(Math.Max(0, x - half), Math.Min(w, x + s + half))] = 0;
        }
        return result;
    }

    /// <summary>
    /// Crops every column image [3,H,W] at every window (a side x side square at top-left y, x): one row per window,
    /// one column per image, gap white pixels between them.
    /// </summary>
    public static Tensor Tile(IReadOnlyList<Tensor> columns, IReadOnlyList<(int Y, int X)> windows, int side, int gap)
    {
        var (rows, cols) = (windows.Count, columns.Count);
        var montage = ones(3, rows * side + (rows - 1) * gap, cols * side + (cols - 1) * gap);
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
            {
                var (y, x) = windows[r];
                montage[TensorIndex.Colon, TensorIndex.Slice(r * (side + gap), r * (side + gap) + side), TensorIndex.Slice(c * (side + gap), c * (side + gap) + side)] =
                    columns[c][TensorIndex.Colon, TensorIndex.Slice(y, y + side), TensorIndex.Slice(x, x + side)];
            }
        return montage;
    }

    public void Dispose()
    {
        foreach (var (_, view) in views) view.Dispose();
        views.Clear();
    }
}
