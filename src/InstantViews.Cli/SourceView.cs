using System.CommandLine;
using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.NovelViews;
using static TorchSharp.torch;

namespace InstantViews.Cli;

/// <summary>The source image, its camera and its depth, as `warp`, `nvs` and `orbit` read them from the command line.</summary>
public sealed record SourceView(Tensor Rgb, Camera Camera, Tensor Depth, IDepthEstimator Estimator, double MedianDepth)
{
    /// <summary>The options shared by every verb that starts from one image.</summary>
    public sealed record Options(Option<string> Image, Option<string> Depth, Option<string?> Camera, Option<int> Frame, OnnxOptions Onnx)
    {
        public static Options Create() => new(
            new Option<string>("--image") { Description = "Source image (PNG/JPEG/WebP)", Required = true },
            new Option<string>("--depth") { Description = "Depth: builtin, builtin:FILE.safetensors, onnx:FILE.onnx, auto (the photo's embedded phone depth map, else builtin), embedded, or a map (.png mm / .npy m / .jpg with an embedded map)", DefaultValueFactory = _ => "builtin" },
            new Option<string?>("--camera") { Description = $"Source camera JSON (K, world_to_camera; or a scene's cameras.json); default: pinhole, {CameraTargets.DefaultFovXDegrees} degree horizontal FOV" },
            new Option<int>("--frame") { Description = "Frame of a cameras.json given to --camera", DefaultValueFactory = _ => 0 },
            OnnxOptions.Create());

        public void AddTo(Command cmd)
        {
            cmd.Options.Add(Image);
            cmd.Options.Add(Depth);
            cmd.Options.Add(Camera);
            cmd.Options.Add(Frame);
            Onnx.AddTo(cmd);
        }

        /// <summary>Reads the image, its camera (or the default pinhole, announced) and its depth (validated).</summary>
        public SourceView Read(ParseResult p, Device device)
        {
            var (rgb, source, estimator) = ReadPhoto(p, device);
            int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
            Tensor d;
            using (no_grad()) d = estimator.Estimate(rgb, source).to_type(ScalarType.Float32).cpu().contiguous();
            DepthValidation.Require(d, h, w, $"depth from {estimator.Description}");
            return new SourceView(rgb, source, d, estimator, PhotoViews.Median(d));
        }

        /// <summary>
        /// Reads the image and its camera and opens them for views (<see cref="PhotoViews.Open(Tensor, Camera, IDepthEstimator, NovelViewPipeline, PhotoViewSizes, string)"/>:
        /// capped to <paramref name="sizes"/>, depth estimated after capping). Also returns the photo's own camera (its
        /// size and pose, which targets are given against) and the depth source.
        /// </summary>
        public (PhotoViews Views, Camera Source, IDepthEstimator Estimator) Open(ParseResult p, Device device, NovelViewPipeline pipeline, PhotoViewSizes sizes)
        {
            var (rgb, source, estimator) = ReadPhoto(p, device);
            return (PhotoViews.Open(rgb, source, estimator, pipeline, sizes, p.GetValue(Image)!), source, estimator);
        }

        (Tensor Rgb, Camera Source, IDepthEstimator Estimator) ReadPhoto(ParseResult p, Device device)
        {
            var path = p.GetValue(Image)!;
            var rgb = ImageFile.Read(path);
            int h = (int)rgb.shape[1], w = (int)rgb.shape[2];
            SourceImages.Require(path, w, h);
            Camera source;
            if (p.GetValue(Camera) is { } camPath) source = CameraTargets.ReadJson(camPath, p.GetValue(Frame), w, h);
            else
            {
                source = Geometry.Camera.FromFov(w, h, CameraTargets.DefaultFovXDegrees);
                Console.WriteLine($"no --camera: assuming a pinhole camera with {CameraTargets.DefaultFovXDegrees} degree horizontal field of view (fx = fy = {source.Fx:0.0} px, centred) at the origin");
            }
            return (rgb, source, DepthSource.Open(p.GetValue(Depth)!, device, Onnx.Read(p), path));
        }
    }

    /// <summary>Whether re-estimating depth on a generated image makes sense (a network, not a map recorded for the photo).</summary>
    public bool CanReestimate => !Estimator.FixedMap;
}
