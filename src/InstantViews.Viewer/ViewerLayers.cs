using System.Text.Json.Nodes;
using InstantViews.Lifting;
using InstantViews.NovelViews;

namespace InstantViews.Viewer;

/// <summary>
/// A photo's lifted scene as the page draws it (`lift`'s layers: the photo is layer 0, which the page already has; what
/// lies behind its depth edges is layer 1): made once per photo on the worker, then served as an RGBA PNG (alpha = the
/// layer covers the pixel) and float32 depth (0 where it does not), and for download as `lift` exports it (.glb, .ply).
/// Until it is ready the page shows the photo's mesh over its backstop.
/// </summary>
public sealed class ViewerLayers : IDisposable
{
    volatile string state = "lifting";
    volatile string? error;
    byte[]? image, depth;
    LayeredScene? scene;

    /// <summary>lifting, ready, none (the photo has no depth edge: one layer) or failed.</summary>
    public string State => state;
    public byte[]? Image => state == "ready" ? image : null;
    public byte[]? Depth => state == "ready" ? depth : null;
    /// <summary>The lifted scene (one layer or more) once lifting has finished, for the exports; null before or after a failure.</summary>
    public LayeredScene? Scene => state is "ready" or "none" ? scene : null;

    /// <summary>JSON for the page: {"state": ..., "error": ...}.</summary>
    public string Describe() => new JsonObject { ["state"] = state, ["error"] = error }.ToJsonString();

    /// <summary>Lifts the photo of <paramref name="views"/> (call on the worker thread: it runs the model).</summary>
    public void Lift(PhotoViews views)
    {
        try
        {
            var lifted = new PhotoLifter(views.Pipeline).Lift(views.Rgb, views.Depth, views.Camera, views.DepthDescription, PhotoLifter.ScaleNote(false));
            scene = lifted.Scene;
            if (scene.Layers.Count < 2)
            {
                state = "none";
                return;
            }
            var layer = scene.Layers[1];
            using var uncovered = TorchSharp.torch.where(layer.Valid.gt(0.5), layer.Depth, 0);
            (image, depth) = (scene.LayerPngBytes(1), ViewerPhoto.DepthBytes(uncovered));
            state = "ready";
        }
        catch (Exception e) when (e is Runtime.UserError or ArgumentException or InvalidOperationException)
        {
            error = e.Message;
            state = "failed";
        }
    }

    /// <summary>The scene as `lift` exports it: "glb" (glTF 2.0 binary, at most 10 MB) or "ply" (3DGS splats, the
    /// source camera's axes); null until lifting has finished. Call on the worker thread (it reads tensors).</summary>
    public byte[]? Export(string format) => Scene is not { } s ? null : format switch
    {
        "glb" => GlbExport.Encode(s).Bytes,
        "ply" => SplatPlyExport.Encode(s, SplatPlyExport.DefaultStep(s.Width, s.Height)),
        _ => throw new ArgumentException($"unknown export format '{format}' (glb or ply)", nameof(format)),
    };

    public void Dispose()
    {
        state = "failed";
        error = "the photo was closed";
        scene?.Dispose();
        scene = null;
    }
}
