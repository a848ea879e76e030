using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Depth;

/// <summary>
/// A depth map the user supplies: a 16-bit single-channel PNG in millimetres, or a float32 .npy [H, W]
/// (or [1, H, W]) in metres. It must match the image size and be finite and positive everywhere.
/// </summary>
public sealed class FileDepth(string path) : IDepthEstimator
{
    public string Path { get; } = path;
    public string Description => $"depth file '{Path}'";
    public bool FixedMap => true;

    /// <summary>Reads the file as metres [H, W]; only the file's own problems are checked here.</summary>
    public Tensor Read()
    {
        var ext = System.IO.Path.GetExtension(Path).ToLowerInvariant();
        if (ext == ".png")
        {
            var (values, w, h) = Png.ReadGray16(Path);
            var metres = new float[values.Length];
            for (int i = 0; i < values.Length; i++) metres[i] = values[i] / 1000f;
            return tensor(metres, [h, w]);
        }
        if (ext == ".npy")
        {
            var (values, shape) = Npy.ReadFloat32(Path);
            var dims = shape.SkipWhile(d => d == 1).ToArray();
            if (dims.Length != 2) throw new UserError($"'{Path}': depth .npy must be [H, W] (or [1, H, W]), got [{string.Join(", ", shape)}]");
            return tensor(values, dims);
        }
        throw new UserError($"'{Path}': depth files must be a 16-bit PNG in millimetres or a float32 .npy in metres");
    }

    public Tensor Estimate(Tensor rgb, Camera? camera = null)
    {
        DepthChecks.RequireRgb(rgb);
        var depth = Read();
        int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
        if (depth.shape[0] != h || depth.shape[1] != w)
            throw new UserError($"'{Path}': depth is {depth.shape[1]}x{depth.shape[0]} pixels, the image is {w}x{h}");
        if (System.IO.Path.GetExtension(Path).Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            var missing = depth.eq(0).sum().item<long>();
            if (missing > 0) throw new UserError($"'{Path}': {missing} pixels are 0 (no depth); fill them before warping");
        }
        DepthValidation.Require(depth, h, w, $"'{Path}'");
        return depth;
    }
}
