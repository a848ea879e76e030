using TorchSharp;
using static TorchSharp.torch;

namespace InstantViews.Tests.Runtime;

public class MemoryTests
{
    public MemoryTests() => TestTorch.Init();

    [Fact]
    public void Live_tensor_count_stays_flat_over_training_steps()
    {
        random.manual_seed(0);
        var net = new TinyNet(new TinyConfig(3, 8));
        var opt = optim.Adam(net.parameters(), 1e-3);
        using var data = randn(4, 3, 8, 8);
        long Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = (net.forward(data) - data).square().mean();
            loss.backward();
            opt.step();
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        for (int i = 0; i < 20; i++) Step();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 300; i++) Step();
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 2, $"live tensors grew from {before} to {after}");
    }
}
