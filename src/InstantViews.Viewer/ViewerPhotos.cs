using System.Text.Json.Nodes;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using SkiaSharp;

namespace InstantViews.Viewer;

/// <summary>A photo the server shows: its session and the bytes the page loads (JPEG photo, float32 depth, description).</summary>
public sealed class ViewerPhoto(string id, PhotoViews views, byte[] image, byte[] depth, string description)
{
    public string Id => id;
    public PhotoViews Views => views;
    /// <summary>The photo at its capped size, JPEG.</summary>
    public byte[] Image => image;
    /// <summary>Depth as float32 little-endian, row-major, at the photo's size.</summary>
    public byte[] Depth => depth;
    /// <summary>JSON: id, width, height, fx, fy, cx, cy, medianDepth, fillWidth, fillHeight, depth (its source).</summary>
    public string Description => description;
    /// <summary>The photo's lifted layer behind its depth edges, made after the photo opens.</summary>
    public ViewerLayers Layers { get; } = new();

    /// <summary>Encodes what the page needs of <paramref name="views"/> (call on the worker thread: it reads tensors).</summary>
    public static ViewerPhoto Create(string id, PhotoViews views)
    {
        var cam = views.Camera;
        var bytes = DepthBytes(views.Depth);
        var (fh, fw) = views.FillSize;
        var json = new JsonObject
        {
            ["id"] = id,
            ["width"] = cam.Width,
            ["height"] = cam.Height,
            ["fx"] = cam.Fx,
            ["fy"] = cam.Fy,
            ["cx"] = cam.Cx,
            ["cy"] = cam.Cy,
            ["medianDepth"] = views.MedianDepth,
            ["fillWidth"] = fw,
            ["fillHeight"] = fh,
            ["depth"] = views.DepthDescription,
        };
        return new ViewerPhoto(id, views, ImageFile.Encode(views.Rgb, SKEncodedImageFormat.Jpeg, 95), bytes, json.ToJsonString());
    }

    /// <summary>A depth map [H, W] as the page reads it: float32 little-endian, row-major.</summary>
    public static byte[] DepthBytes(TorchSharp.torch.Tensor depth)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the depth transfer assumes a little-endian machine");
        var values = depth.to_type(TorchSharp.torch.ScalarType.Float32).contiguous().data<float>().ToArray();
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}

/// <summary>The photos a server holds, by id: the first one always, and the newest uploads up to a limit.</summary>
public sealed class ViewerPhotos(int limit)
{
    readonly object gate = new();
    readonly List<ViewerPhoto> photos = new();
    int next = 1;

    public string NextId() { lock (gate) return (next++).ToString(System.Globalization.CultureInfo.InvariantCulture); }

    /// <summary>Adds a photo; returns the one it pushes out (to be disposed on the worker), if any.</summary>
    public ViewerPhoto? Add(ViewerPhoto photo)
    {
        lock (gate)
        {
            photos.Add(photo);
            if (photos.Count <= limit || photos.Count < 2) return null;
            var evicted = photos[1];
            photos.RemoveAt(1);
            return evicted;
        }
    }

    public ViewerPhoto? Get(string id) { lock (gate) return photos.Find(p => p.Id == id); }

    /// <summary>The photo a new page opens: the newest.</summary>
    public ViewerPhoto Current { get { lock (gate) return photos[^1]; } }
}
