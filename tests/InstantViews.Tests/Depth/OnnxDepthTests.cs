using InstantViews.Depth;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

public class OnnxDepthTests
{
    public OnnxDepthTests() => TestTorch.Init();

    static readonly OnnxDepthOptions Plain = new() { Mean = [0, 0, 0], Std = [1, 1, 1] };

    [Fact]
    public void Metric_model_output_is_depth_per_pixel()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.onnx"), TinyOnnx.MeanModel(2, 1));
        using var est = new OnnxDepth(dir.File("m.onnx"), Plain);
        var rgb = rand(3, 12, 20) * 2 - 1;
        var depth = est.Estimate(rgb);
        // The model sees (rgb + 1) / 2 and returns 2 * mean + 1.
        var expected = ((rgb + 1) / 2).mean([0]) * 2 + 1;
        Assert.Equal([12L, 20], depth.shape);
        Assert.True((depth - expected).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Mean_std_normalisation_and_scale_shift_apply()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.onnx"), TinyOnnx.MeanModel(1, 0));
        using var est = new OnnxDepth(dir.File("m.onnx"), new OnnxDepthOptions { Mean = [0.5, 0.5, 0.5], Std = [0.25, 0.25, 0.25], Scale = 2, Shift = 3 });
        // Grey 0.75 in [0, 1] -> (0.75 - 0.5) / 0.25 = 1 -> model 1 -> 2 * 1 + 3 = 5 m.
        var depth = est.Estimate(full(3, 8, 8, 0.5f));
        Assert.True((depth - 5).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Fixed_input_size_is_resized_back_to_the_image()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.onnx"), TinyOnnx.MeanModel(2, 1, height: 8, width: 8));
        using var est = new OnnxDepth(dir.File("m.onnx"), Plain);
        var depth = est.Estimate(zeros(3, 12, 16));
        Assert.Equal([12L, 16], depth.shape);
        Assert.True((depth - 2).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Inverse_depth_is_fitted_to_known_depths()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.onnx"), TinyOnnx.MeanModel(1, 0));
        var rgb = rand(3, 10, 14) * 2 - 1;
        var r = ((rgb + 1) / 2).mean([0]);
        // Ground truth in the inverse-depth family of the model output: 1 / d = 0.5 r + 0.2.
        var truth = 1 / (r * 0.5 + 0.2);
        var t = truth.data<float>().ToArray();
        var known = new[] { (1, 1), (12, 2), (5, 8), (9, 4) }.Select(p => new KnownDepth(p.Item1, p.Item2, t[p.Item2 * 14 + p.Item1])).ToList();
        using var est = new OnnxDepth(dir.File("m.onnx"), Plain with { Output = DepthOutputKind.InverseDepth, Known = known });
        var depth = est.Estimate(rgb);
        Assert.True(((depth - truth).abs() / truth).max().item<float>() < 1e-3);
        Assert.Throws<UserError>(() => new OnnxDepth(dir.File("m.onnx"), Plain with { Output = DepthOutputKind.InverseDepth, Scale = -1 }).Estimate(rgb));
    }

    [Fact]
    public void Missing_or_broken_models_are_clear_errors()
    {
        using var dir = new TempDir();
        Assert.Contains("not found", Assert.Throws<UserError>(() => new OnnxDepth(dir.File("none.onnx"))).Message);
        File.WriteAllText(dir.File("bad.onnx"), "not a model");
        Assert.Contains("cannot load", Assert.Throws<UserError>(() => new OnnxDepth(dir.File("bad.onnx"))).Message);
    }
}
