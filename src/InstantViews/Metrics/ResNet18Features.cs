using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace InstantViews.Metrics;

/// <summary>Features of one forward pass: the five stages (stem /2, layer1 /4 ... layer4 /32) and the pooled 512-d vector.</summary>
public sealed record ResNetFeatures(IReadOnlyList<Tensor> Stages, Tensor Pooled);

/// <summary>
/// The ImageNet ResNet (18-layer family; this export has 2, 2, 2, 3 blocks per stage) of Microsoft.ML.DnnImageFeaturizer.ResNet18, rebuilt in TorchSharp: batch norms
/// folded into the convolutions, the package's preprocessing (RGB [0,255] -> BGR minus a mean image) folded
/// into the first convolution and an input offset. Takes RGB in [-1, 1], any batch and size (the mean image is
/// resized to the input). Frozen: no parameters, but gradients flow to the input.
/// </summary>
public sealed class ResNet18Features : nn.Module<Tensor, ResNetFeatures>
{
    public const int PooledDim = 512;
    public static readonly string[] StageNames = ["stem", "layer1", "layer2", "layer3", "layer4"];
    public static readonly int[] StageChannels = [64, 64, 128, 256, 512];

    readonly Tensor[] weights;
    readonly Tensor[] biases;
    readonly int[] strides;
    readonly long[][] pads;
    readonly Tensor inputOffset;
    readonly List<(int Conv1, int? Shortcut, bool NewStage)> blocks;

    /// <summary>Builds the network from the package's ONNX files (converted once per process).</summary>
    public ResNet18Features() : this(ResNet18Weights.Load()) { }

    public ResNet18Features(ResNet18Weights.Converted w) : base("resnet18")
    {
        var n = w.Convs.Count;
        weights = new Tensor[n];
        biases = new Tensor[n];
        strides = new int[n];
        pads = new long[n][];
        for (int i = 0; i < n; i++)
        {
            var c = w.Convs[i];
            var wt = c.Weight;
            // The package's preprocessing: p = BGR(127.5 x + 127.5) - M. Reordering and scale go into conv 0,
            // the rest is an offset added to x before it (zero padding stays zero padding).
            if (i == 0) wt = wt.flip(1).mul(127.5);
            weights[i] = wt.clone().DetachFromDisposeScope();
            biases[i] = c.Bias.clone().DetachFromDisposeScope();
            strides[i] = c.Stride;
            pads[i] = c.Pads.Length == 4 ? c.Pads : [0, 0, 0, 0];
            register_buffer($"conv{i}_weight", weights[i]);
            register_buffer($"conv{i}_bias", biases[i]);
        }
        inputOffset = w.MeanImageBgr.flip(1).neg().add(127.5).div(127.5).DetachFromDisposeScope();
        register_buffer("input_offset", inputOffset);
        blocks = ParseBlocks();
        eval();
    }

    // Graph order: stem, then per block [1x1 shortcut], conv1, conv2; a shortcut starts a new stage. (This
    // export has 2, 2, 2 and 3 blocks per stage, so the layout is read from the file, not assumed.)
    List<(int Conv1, int? Shortcut, bool NewStage)> ParseBlocks()
    {
        if (weights[0].shape[2] != 7) throw new Runtime.UserError("ResNet-18 import: the first convolution is not the 7x7 stem");
        var list = new List<(int, int?, bool)>();
        for (int i = 1; i < weights.Length;)
        {
            int? shortcut = weights[i].shape[2] == 1 ? i++ : null;
            if (i + 1 >= weights.Length || weights[i].shape[2] != 3 || weights[i + 1].shape[2] != 3)
                throw new Runtime.UserError($"ResNet-18 import: unexpected convolution layout at {i}");
            list.Add((i, shortcut, shortcut is not null || i == 1));
            i += 2;
        }
        if (list.Count(b => b.Item3) != 4) throw new Runtime.UserError("ResNet-18 import: expected four stages");
        return list;
    }

    Tensor Conv(Tensor x, int i)
    {
        var p = pads[i];
        var (s, k) = (strides[i], weights[i].shape[2]);
        // ONNX pads are [top, left, bottom, right]; the stride-2 layers pad less at the bottom/right (CNTK "same").
        // Where the extra end padding is never reached (even sizes), the conv's own symmetric padding gives the
        // same windows without copying the input.
        static bool Same(long n, long b, long e, long k, long s) => (n + 2 * b - k) / s == (n + b + e - k) / s;
        if (p[0] == p[1] && p[2] == p[3] && Same(x.shape[2], p[0], p[2], k, s) && Same(x.shape[3], p[1], p[3], k, s))
            return F.conv2d(x, weights[i], biases[i], strides: [s, s], padding: [p[0], p[1]]);
        if (p.Any(v => v != 0)) x = F.pad(x, [p[1], p[3], p[0], p[2]]);
        return F.conv2d(x, weights[i], biases[i], strides: [s, s]);
    }

    Tensor Block(Tensor x, int conv1, int? shortcut)
    {
        var h = F.relu(Conv(x, conv1));
        h = Conv(h, conv1 + 1);
        var skip = shortcut is { } s ? Conv(x, s) : x;
        return F.relu(h.add(skip));
    }

    public override ResNetFeatures forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != 3)
            throw new ArgumentException($"ResNet-18 expects [N,3,H,W], got [{string.Join(",", x.shape)}]");
        var (h, w) = (x.shape[2], x.shape[3]);
        var offset = h == inputOffset.shape[2] && w == inputOffset.shape[3]
            ? inputOffset
            : F.interpolate(inputOffset, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        var stem = F.relu(Conv(x.add(offset.to(x.dtype)), 0));
        // Max pool 3x3/2 with top/left padding; zero padding equals -inf padding after a ReLU.
        var y = F.max_pool2d(F.pad(stem, [1, 0, 1, 0]), [3, 3], [2, 2]);
        var stages = new List<Tensor> { stem };
        for (int b = 0; b < blocks.Count; b++)
        {
            y = Block(y, blocks[b].Conv1, blocks[b].Shortcut);
            if (b + 1 == blocks.Count || blocks[b + 1].NewStage) stages.Add(y);
        }
        return new ResNetFeatures(stages, y.mean([2, 3]));
    }
}
