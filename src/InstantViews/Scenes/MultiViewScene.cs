using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;

namespace InstantViews.Scenes;

/// <summary>One frame of a multi-view folder: image file, optional depth file (.npy metres or 16-bit PNG millimetres), camera.</summary>
public sealed record MultiViewFrame(string ImagePath, string? DepthPath, Camera Camera)
{
    /// <summary>Depth [H, W] in metres, row-major, or null when the frame has none.</summary>
    public float[]? LoadDepth()
    {
        if (DepthPath is null) return null;
        float[] values;
        long h, w;
        if (DepthPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            var (mm, pw, ph) = Png.ReadGray16(DepthPath);
            values = mm.Select(v => v / 1000f).ToArray();
            (h, w) = (ph, pw);
        }
        else
        {
            var (v, shape) = Npy.ReadFloat32(DepthPath);
            if (shape.Length != 2) throw new UserError($"'{DepthPath}': depth must have shape (H, W), found ({string.Join(", ", shape)})");
            (values, h, w) = (v, shape[0], shape[1]);
        }
        if (h != Camera.Height || w != Camera.Width)
            throw new UserError($"'{DepthPath}': depth is {w}x{h} but the camera is {Camera.Width}x{Camera.Height}");
        return values;
    }
}

/// <summary>A folder of posed frames, from any of the readers (own format, NeRF transforms.json).</summary>
public sealed record MultiViewScene(string Folder, IReadOnlyList<MultiViewFrame> Frames, long? Seed = null);
