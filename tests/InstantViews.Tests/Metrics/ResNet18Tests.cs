using InstantViews.Metrics;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace InstantViews.Tests.Metrics;

public class ResNet18Tests
{
    static ResNet18Tests() => TestTorch.Init();

    // The package's two ONNX models chained in ONNX Runtime: RGB in [0, 255] -> pooled 512-d.
    static float[] OnnxRuntimePooled(float[] rgb255)
    {
        using var prep = new InferenceSession(ResNet18Weights.PreprocessPath);
        using var net = new InferenceSession(ResNet18Weights.ModelPath);
        var input = new DenseTensor(rgb255, [1, 3, 224, 224]);
        using var p = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), input)]);
        var pre = p.First().AsTensor<float>().ToDenseTensor();
        using var r = net.Run([NamedOnnxValue.CreateFromTensor(net.InputMetadata.Keys.Single(), pre)]);
        return [.. r.First().AsTensor<float>()];
    }

    [Fact]
    public void TorchSharp_matches_OnnxRuntime_at_224_within_1e4_relative()
    {
        using var scope = NewDisposeScope();
        using var net = new ResNet18Features();
        random.manual_seed(3);
        // Smooth random images (a random 7x7 field upsampled plus a little noise), in [-1, 1].
        var x = nn.functional.interpolate(rand(2, 3, 7, 7), [224, 224], mode: InterpolationMode.Bilinear)
            .add(rand(2, 3, 224, 224).mul(0.2)).mul(2).sub(1.2).clamp(-1, 1);
        Tensor ours;
        using (no_grad()) ours = net.forward(x).Pooled;
        for (int i = 0; i < 2; i++)
        {
            var rgb255 = x[i].add(1).mul(127.5).contiguous().data<float>().ToArray();
            var reference = tensor(OnnxRuntimePooled(rgb255));
            var rel = ours[i].sub(reference).abs().max().item<float>() / reference.abs().max().item<float>();
            Assert.True(rel < 1e-4, $"image {i}: max relative difference {rel:E2}");
        }
    }

    [Fact]
    public void Any_batch_and_size_and_gradients_reach_the_input()
    {
        using var scope = NewDisposeScope();
        using var net = new ResNet18Features();
        var x = rand(3, 3, 64, 48).mul(2).sub(1).requires_grad_(true);
        var f = net.forward(x);
        Assert.Equal([3L, 512], f.Pooled.shape);
        Assert.Equal(5, f.Stages.Count);
        Assert.Equal([3L, 64, 32, 24], f.Stages[0].shape);
        Assert.Equal([3L, 512, 2, 2], f.Stages[4].shape);
        Assert.Empty(net.parameters());
        f.Pooled.sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
    }
}
