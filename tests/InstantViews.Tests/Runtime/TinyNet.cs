using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace InstantViews.Tests.Runtime;

public sealed record TinyConfig(int Channels = 4, int Hidden = 8);

/// <summary>A small conv net registered as a checkpoint kind, used by runtime tests.</summary>
[ModelKind("test-tiny", typeof(TinyConfig))]
public sealed class TinyNet : nn.Module<Tensor, Tensor>, ICheckpointable
{
    readonly Conv2d conv1;
    readonly GroupNorm norm;
    readonly Conv2d conv2;
    public TinyConfig Cfg { get; }
    public string Kind => "test-tiny";
    public object Config => Cfg;

    public TinyNet(TinyConfig config) : base("TinyNet")
    {
        Cfg = config;
        conv1 = InstantViews.Nn.Layers.Conv2d(config.Channels, config.Hidden, 3, padding: 1);
        norm = InstantViews.Nn.Layers.GroupNorm(2, config.Hidden);
        conv2 = InstantViews.Nn.Layers.Conv2d(config.Hidden, config.Channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv2.forward(nn.functional.silu(norm.forward(conv1.forward(x))));
}
