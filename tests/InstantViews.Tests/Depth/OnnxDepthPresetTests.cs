using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

/// <summary>The public exports' signatures (tiny models that have them): preset detection, input sizes, normalisation, metres.</summary>
public class OnnxDepthPresetTests
{
    public OnnxDepthPresetTests() => TestTorch.Init();

    static readonly float[] Third = [1f / 3, 1f / 3, 1f / 3];
    static readonly double[] Mean = [0.485, 0.456, 0.406];
    static readonly double[] Std = [0.229, 0.224, 0.225];

    // Depth Anything V2 as the Hugging Face exports name it, dynamic in batch and size, [1, H, W] out.
    static byte[] HuggingFaceDepthAnything(float[]? weights = null, float bias = 0) =>
        TinyOnnx.Model("pixel_values", ["batch", 3, "height", "width"], "predicted_depth", ["batch", "height", "width"], weights ?? Third, bias);

    static string Write(TempDir dir, string name, byte[] model)
    {
        File.WriteAllBytes(dir.File(name), model);
        return dir.File(name);
    }

    // The value a uniform colour (RGB in [-1, 1]) gives after ImageNet normalisation and per-channel weights.
    static double Normalised(float[] rgb, float[] weights, float bias = 0) =>
        Enumerable.Range(0, 3).Sum(c => weights[c] * (((rgb[c] + 1) / 2.0 - Mean[c]) / Std[c])) + bias;

    static Tensor Uniform(float[] rgb, int h, int w) => tensor(rgb).view(3, 1, 1).expand(3, h, w).contiguous();

    [Fact]
    public void Presets_are_detected_from_the_input_and_output_signature()
    {
        using var dir = new TempDir();
        (byte[] Model, OnnxDepthPreset Preset, string Says)[] cases =
        [
            (HuggingFaceDepthAnything(), OnnxDepthPreset.DepthAnythingV2, "pixel_values"),
            (TinyOnnx.Model("image", [1, 3, 518, 518], "depth", [1, 518, 518], Third, 0), OnnxDepthPreset.DepthAnythingV2, "input 518x518"),
            (TinyOnnx.Model("image", [1, 3, "h", "w"], "depth", [1, "h", "w"], Third, 0), OnnxDepthPreset.DepthAnythingV2, "output [1, H, W]"),
            (TinyOnnx.Model("0", [1, 3, 256, 256], "1", [1, 256, 256], Third, 0), OnnxDepthPreset.MidasSmall, "input 256x256"),
            (TinyOnnx.MeanModel(1, 0), OnnxDepthPreset.Custom, "no preset matched"),
            (TinyOnnx.Model("image", [1, 3, 500, 500], "depth", [1, 500, 500], Third, 0), OnnxDepthPreset.Custom, "no preset matched"),
        ];
        for (int i = 0; i < cases.Length; i++)
        {
            using var est = new OnnxDepth(Write(dir, $"m{i}.onnx", cases[i].Model));
            Assert.Equal(cases[i].Preset, est.Preset);
            Assert.Contains(cases[i].Says, est.Description);
        }
        // A named preset wins over the signature, and an option over the preset.
        using var named = new OnnxDepth(Write(dir, "n.onnx", HuggingFaceDepthAnything()), new OnnxDepthOptions { Preset = OnnxDepthPreset.Metric, Output = DepthOutputKind.InverseDepth });
        Assert.Equal(OnnxDepthPreset.Metric, named.Preset);
        Assert.Equal(DepthOutputKind.InverseDepth, named.Output);
        Assert.Contains("metric preset, named", named.Description);
    }

    [Theory]
    [InlineData(20, 30, 518, 784)] // 30 * 518 / 20 = 777 -> 56 patches of 14
    [InlineData(30, 20, 784, 518)]
    [InlineData(480, 640, 518, 700)] // 690.7 -> 50 patches
    [InlineData(518, 518, 518, 518)]
    [InlineData(1000, 1000, 518, 518)]
    public void Depth_anything_gets_multiples_of_14_with_the_short_side_518(int h, int w, int ih, int iw)
    {
        Assert.Equal((ih, iw), OnnxDepthPreset.DepthAnythingV2.InputSize(h, w));
        Assert.Equal((518, 518), OnnxDepthPreset.DepthAnythingV2.InputSize(h, w, 518, 518)); // a fixed export keeps its size
        Assert.Equal((h, w), OnnxDepthPreset.Custom.InputSize(h, w));
    }

    [Fact]
    public void A_model_that_needs_multiples_of_14_runs_on_any_image()
    {
        // SpaceToDepth(14) fails unless both sides are multiples of 14: the preset's resizing is what lets it run.
        using var dir = new TempDir();
        var path = Write(dir, "patch.onnx", TinyOnnx.PatchModel("image", "depth", 14));
        float[] colour = [0.6f, 0.2f, 0.9f];
        using var est = new OnnxDepth(path, new OnnxDepthOptions { Scale = 0.5, Shift = 0.25 });
        Assert.Equal(OnnxDepthPreset.DepthAnythingV2, est.Preset);
        Assert.Equal((518, 784), est.InputSize(20, 30));
        var depth = est.Estimate(Uniform(colour, 20, 30));
        // Relative inverse depth r (the mean of the normalised channels) -> 1 / (0.5 r + 0.25).
        var expected = 1 / (0.5 * Normalised(colour, Third) + 0.25);
        Assert.Equal([20L, 30], depth.shape);
        Assert.True((depth - expected).abs().max().item<float>() < 1e-5 * expected);
        // The same model without the preset's sizing fails, as a one-line error naming the model.
        using var custom = new OnnxDepth(path, new OnnxDepthOptions { Preset = OnnxDepthPreset.Custom, Output = DepthOutputKind.InverseDepth, Scale = 1 });
        var e = Assert.Throws<UserError>(() => custom.Estimate(Uniform(colour, 20, 30)));
        Assert.Contains("patch.onnx': ONNX Runtime failed on a [1, 3, 20, 30] input", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("needs multiples of 14", Assert.Throws<UserError>(() => new OnnxDepth(path, new OnnxDepthOptions { InputWidth = 500, InputHeight = 500 })).Message);
    }

    [Fact]
    public void The_native_size_for_edge_aware_upsampling_is_the_input_the_preset_chose()
    {
        using var dir = new TempDir();
        using var da = new OnnxDepth(Write(dir, "da.onnx", HuggingFaceDepthAnything()), new OnnxDepthOptions { Scale = 1, Shift = 10 });
        Assert.Equal(518, da.NativeLongSide); // before any estimate: the short side, a lower bound
        da.Estimate(Uniform([0.1f, 0.2f, 0.3f], 20, 30));
        Assert.Equal(784, da.NativeLongSide);
        using var midas = new OnnxDepth(Write(dir, "midas.onnx", TinyOnnx.Model("0", [1, 3, 256, 256], "1", [1, 256, 256], Third, 0)));
        Assert.Equal(256, midas.NativeLongSide);
        using var custom = new OnnxDepth(Write(dir, "mean.onnx", TinyOnnx.MeanModel(1, 3)));
        Assert.Null(custom.NativeLongSide); // runs at the photo's own size
        custom.Estimate(Uniform([0.1f, 0.2f, 0.3f], 20, 30));
        Assert.Null(custom.NativeLongSide);
    }

    [Fact]
    public void Midas_small_gets_256x256_and_imagenet_normalisation_per_channel()
    {
        using var dir = new TempDir();
        float[] weights = [1, 10, 100];
        var path = Write(dir, "midas.onnx", TinyOnnx.Model("0", [1, 3, 256, 256], "1", [1, 256, 256], weights, 0.5f));
        float[] colour = [0.9f, 0.3f, 0.7f];
        // Read as metres to see the raw output: the normalised channels in R, G, B order times 1, 10, 100, plus 0.5.
        using var est = new OnnxDepth(path, new OnnxDepthOptions { Output = DepthOutputKind.MetricDepth });
        Assert.Equal(OnnxDepthPreset.MidasSmall, est.Preset);
        Assert.Equal((256, 256), est.InputSize(12, 16));
        var depth = est.Estimate(Uniform(colour, 12, 16));
        var expected = Normalised(colour, weights, 0.5f);
        Assert.Equal([12L, 16], depth.shape);
        Assert.True((depth - expected).abs().max().item<float>() < 1e-4, $"{depth.mean().item<float>()} vs {expected}");
    }

    // An image whose left and right halves are two colours: away from the seam every resize keeps them exact.
    static Tensor Halves(float[] left, float[] right, int h, int w)
    {
        var img = Uniform(left, h, w).clone();
        img[.., .., TensorIndex.Slice(w / 2)] = Uniform(right, h, w - w / 2);
        return img;
    }

    [Fact]
    public void Known_depths_turn_relative_inverse_depth_into_metres()
    {
        using var dir = new TempDir();
        float[] near = [0.9f, 0.8f, 0.7f], far = [-0.8f, -0.6f, -0.9f];
        var rgb = Halves(near, far, 20, 30);
        // Two known depths fix both scale and shift: 2 m on the left, 7 m on the right.
        using var est = new OnnxDepth(Write(dir, "da.onnx", HuggingFaceDepthAnything()), new OnnxDepthOptions { Known = [new(2, 5, 2.0), new(27, 14, 7.0)] });
        var depth = est.Estimate(rgb);
        Assert.True((depth[.., ..11] - 2).abs().max().item<float>() < 1e-4);
        Assert.True((depth[.., 19..] - 7).abs().max().item<float>() < 1e-4);
        Assert.Contains("fitted to 2 known depths", est.Description);
        Assert.DoesNotContain("guess", est.Description);
        // The fit is the closed form: 1/d = s r + t through both points.
        var (rn, rf) = (Normalised(near, Third), Normalised(far, Third));
        var s = (1 / 2.0 - 1 / 7.0) / (rn - rf);
        var (scale, shift) = OnnxDepth.FitInverse(tensor(new[] { (float)rn, (float)rf }).view(1, 2), [new(0, 0, 2.0), new(1, 0, 7.0)]);
        Assert.Equal(s, scale, 1e-5);
        Assert.Equal(1 / 2.0 - s * rn, shift, 1e-5);
    }

    [Fact]
    public void Without_known_depths_the_focal_length_prior_guesses_and_says_so()
    {
        using var dir = new TempDir();
        using var est = new OnnxDepth(Write(dir, "da.onnx", HuggingFaceDepthAnything()));
        random.manual_seed(3);
        var rgb = rand(3, 9, 11) * 2 - 1; // 99 pixels: the median is one of them
        var sorted = est.Estimate(rgb).flatten().sort().Values;
        Assert.Equal(DepthPrior.MedianAt60Degrees, sorted[49].item<float>(), 1e-4);
        Assert.Equal(DepthPrior.MedianAt60Degrees * DepthPrior.FarToMedian, sorted[98].item<float>(), 1e-3);
        Assert.Contains("scale is a guess: focal-length prior, median 3.00 m", est.Description);
        // A lens of twice the focal length frames things twice as far away.
        var tele = Camera.FromFov(11, 9, 60) is var c ? c with { Fx = 2 * c.Fx, Fy = 2 * c.Fy } : null;
        var teleDepth = est.Estimate(rgb, tele).flatten().sort().Values;
        Assert.Equal(2 * DepthPrior.MedianAt60Degrees, teleDepth[49].item<float>(), 1e-4);
        // One known depth rescales the guess to pass through it, keeping its shape.
        using var one = new OnnxDepth(dir.File("da.onnx"), new OnnxDepthOptions { Known = [new(4, 6, 1.5)] });
        var guess = est.Estimate(rgb);
        var scaled = one.Estimate(rgb);
        Assert.Equal(1.5, scaled[6, 4].item<float>(), 1e-5);
        Assert.True((scaled / guess - 1.5 / guess[6, 4]).abs().max().item<float>() < 1e-4);
        Assert.Contains("rescaled to 1 known depth", one.Description);
    }

    [Fact]
    public void A_metric_model_is_metres_or_fitted_by_one_scale()
    {
        using var dir = new TempDir();
        var path = Write(dir, "metric.onnx", HuggingFaceDepthAnything(Third, 4));
        float[] a = [0.9f, 0.8f, 0.7f], b = [-0.8f, -0.6f, -0.9f];
        var rgb = Halves(a, b, 20, 30);
        using var plain = new OnnxDepth(path, new OnnxDepthOptions { Preset = OnnxDepthPreset.Metric });
        var raw = plain.Estimate(rgb);
        Assert.Equal(Normalised(a, Third, 4), raw[3, 2].item<float>(), 1e-4);
        Assert.Contains("metres as the model gives them", plain.Description);
        // Known depths at 2.5 times the output: the fitted scale is 2.5 everywhere.
        double ra = raw[5, 2].item<float>(), rb = raw[14, 27].item<float>();
        using var fitted = new OnnxDepth(path, new OnnxDepthOptions { Preset = OnnxDepthPreset.Metric, Known = [new(2, 5, 2.5 * ra), new(27, 14, 2.5 * rb)] });
        Assert.True((fitted.Estimate(rgb) - raw * 2.5).abs().max().item<float>() < 1e-4);
        Assert.Contains("scale 2.5 fitted to 2 known depths", fitted.Description);
    }
}
