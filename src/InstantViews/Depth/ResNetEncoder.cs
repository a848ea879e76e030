using InstantViews.Metrics;
using InstantViews.Nn;
using InstantViews.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Depth;

/// <summary>
/// A trainable ResNet encoder: a 7x7/2 stem, a 3x3/2 max pool and four stages of BasicBlocks (64, 64, 128, 256,
/// 512 channels at /2, /4, /8, /16, /32), convolutions with biases (batch norms folded). Takes RGB in [-1, 1] whose
/// sides are multiples of 32 and returns the five stage outputs. <see cref="LoadImageNet"/> copies the weights of
/// the ImageNet ResNet-18 the project imports (<see cref="ResNet18Weights"/>), with its input normalisation.
/// </summary>
public sealed class ResNetEncoder : nn.Module<Tensor, Tensor[]>
{
    public static readonly int[] StageChannels = [64, 64, 128, 256, 512];

    readonly Conv2d stem;
    readonly ModuleList<BasicBlock> blocks = new();
    readonly int[] stageEnds;
    readonly Tensor inputOffset;

    public ResNetEncoder(int[] blocksPerStage) : base(nameof(ResNetEncoder))
    {
        if (blocksPerStage.Length != 4 || blocksPerStage.Any(b => b < 1)) throw new ArgumentException("a ResNet has four stages of at least one block each");
        stem = Layers.Conv2d(3, 64, 7, stride: 2, padding: 3);
        stageEnds = new int[4];
        int inC = 64;
        for (int s = 0; s < 4; s++)
        {
            var outC = StageChannels[s + 1];
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                blocks.Add(new BasicBlock(inC, outC, b == 0 && s > 0 ? 2 : 1));
                inC = outC;
            }
            stageEnds[s] = blocks.Count;
        }
        inputOffset = zeros(1, 3, 1, 1, device: BuildDevice.Current);
        register_buffer("input_offset", inputOffset);
        RegisterComponents();
    }

    public override Tensor[] forward(Tensor x)
    {
        var f0 = F.relu(stem.forward(x + inputOffset));
        var y = F.max_pool2d(f0, 3, 2, 1);
        var features = new Tensor[5];
        features[0] = f0;
        for (int s = 0, b = 0; s < 4; s++)
        {
            for (; b < stageEnds[s]; b++) y = blocks[b].forward(y);
            features[s + 1] = y;
        }
        return features;
    }

    /// <summary>
    /// Copies the imported network's weights: its preprocessing (RGB [0, 255] to BGR minus a mean image) becomes
    /// the stem's channel order and scale and a per-channel input offset (the mean image's mean); blocks beyond
    /// this encoder's count in a stage are left out.
    /// </summary>
    public void LoadImageNet(ResNet18Weights.Converted w)
    {
        using var noGrad = no_grad();
        stem.weight!.copy_(w.Convs[0].Weight.flip(1).mul(127.5));
        stem.bias!.copy_(w.Convs[0].Bias);
        var offset = w.MeanImageBgr.mean([2, 3], keepdim: true).flip(1).neg().add(127.5).div(127.5);
        inputOffset.copy_(offset);
        // Graph order: stem, then per block [1x1 shortcut], conv1, conv2; a shortcut starts a new stage.
        var taken = new int[4];
        var stage = -1;
        for (int i = 1; i < w.Convs.Count;)
        {
            int? shortcut = w.Convs[i].Weight.shape[2] == 1 ? i++ : null;
            if (shortcut is not null || i == 1) stage++;
            if (stage > 3 || i + 1 >= w.Convs.Count) throw new Runtime.UserError($"ResNet-18 import: unexpected convolution layout at {i}");
            var first = stage == 0 ? 0 : stageEnds[stage - 1];
            if (first + taken[stage] < stageEnds[stage])
                blocks[first + taken[stage]++].Load(w.Convs[i], w.Convs[i + 1], shortcut is { } sc ? w.Convs[sc] : null);
            i += 2;
        }
        for (int s = 0; s < 4; s++)
        {
            var want = stageEnds[s] - (s == 0 ? 0 : stageEnds[s - 1]);
            if (taken[s] != want) throw new Runtime.UserError($"ResNet-18 import: stage {s + 1} has {taken[s]} blocks, the encoder needs {want}");
        }
    }

    /// <summary>relu(conv2(relu(conv1(x))) + shortcut(x)), the shortcut a 1x1 convolution where the shape changes.</summary>
    public sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv1, conv2;
        readonly Conv2d? shortcut;

        public BasicBlock(int inC, int outC, int stride) : base(nameof(BasicBlock))
        {
            conv1 = Layers.Conv2d(inC, outC, 3, stride: stride, padding: 1);
            conv2 = Layers.Conv2d(outC, outC, 3, padding: 1);
            if (stride != 1 || inC != outC) shortcut = Layers.Conv2d(inC, outC, 1, stride: stride);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = conv2.forward(F.relu(conv1.forward(x)));
            return F.relu(h + (shortcut is null ? x : shortcut.forward(x)));
        }

        internal void Load(FoldedConv c1, FoldedConv c2, FoldedConv? sc)
        {
            if ((sc is null) != (shortcut is null)) throw new Runtime.UserError("ResNet-18 import: a block's shortcut does not match the encoder's");
            Copy(conv1, c1);
            Copy(conv2, c2);
            if (sc is not null) Copy(shortcut!, sc);
        }

        static void Copy(Conv2d conv, FoldedConv from)
        {
            if (!conv.weight!.shape.SequenceEqual(from.Weight.shape))
                throw new Runtime.UserError($"ResNet-18 import: weight [{string.Join(",", from.Weight.shape)}] does not fit [{string.Join(",", conv.weight.shape)}]");
            conv.weight.copy_(from.Weight);
            conv.bias!.copy_(from.Bias);
        }
    }
}
