using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Metrics;

/// <summary>One convolution of the imported network with its batch norm folded in.</summary>
public sealed record FoldedConv(Tensor Weight, Tensor Bias, int Stride, long[] Pads);

/// <summary>
/// Imports the ImageNet ResNet-18 that NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 ships as ONNX.
/// The build copies the package's ONNX files to <c>models/resnet18/</c> beside the assemblies (see
/// InstantViews.csproj); <c>INSTANTVIEWS_RESNET18_DIR</c> points elsewhere. The graph is CNTK-exported:
/// separate BatchNormalization nodes (folded here), asymmetric "same" padding on stride-2 layers, and a
/// preprocessing model that reorders RGB [0, 255] to BGR and subtracts a 224x224 mean image.
/// </summary>
public static class ResNet18Weights
{
    public const string ModelFile = "ResNet18.onnx";
    public const string PreprocessFile = "ResNetPreprocess.onnx";

    /// <summary>Folder holding the two ONNX files.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("INSTANTVIEWS_RESNET18_DIR") is { Length: > 0 } d ? d
            : Path.Combine(AppContext.BaseDirectory, "models", "resnet18");

    public static string ModelPath => Path.Combine(Directory, ModelFile);
    public static string PreprocessPath => Path.Combine(Directory, PreprocessFile);

    /// <summary>Converted weights: convolutions in graph order (stem, then per block [shortcut], conv1, conv2) and the mean image.</summary>
    public sealed record Converted(IReadOnlyList<FoldedConv> Convs, Tensor MeanImageBgr);

    static readonly Lazy<Converted> Cache = new(LoadOrConvert, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The converted weights, once per process: from the safetensors cache if present, else from ONNX (~3 s).</summary>
    public static Converted Load() => Cache.Value;

    /// <summary>Where converted weights are cached: the user cache folder, keyed by the ONNX file's size and time.</summary>
    public static string CachePath()
    {
        var info = new FileInfo(ModelPath);
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "instantviews", $"resnet18-folded-{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}.safetensors");
    }

    static Converted LoadOrConvert()
    {
        var cache = File.Exists(ModelPath) ? CachePath() : null;
        if (cache is not null && File.Exists(cache))
        {
            try { return ReadCache(cache); }
            catch (Exception e) when (e is UserError or IOException or FormatException or KeyNotFoundException) { } // stale or partial: convert again
        }
        var converted = Convert(ModelPath, PreprocessPath);
        if (cache is not null)
        {
            try { WriteCache(cache, converted); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a read-only home only costs speed
        }
        return converted;
    }

    static void WriteCache(string path, Converted c)
    {
        var tensors = new List<KeyValuePair<string, Tensor>> { new("mean_image", c.MeanImageBgr) };
        var meta = new Dictionary<string, string> { ["format"] = "instantviews-resnet18-folded/1", ["convs"] = c.Convs.Count.ToString(Inv) };
        for (int i = 0; i < c.Convs.Count; i++)
        {
            tensors.Add(new($"conv{i}.weight", c.Convs[i].Weight));
            tensors.Add(new($"conv{i}.bias", c.Convs[i].Bias));
            meta[$"conv{i}"] = $"{c.Convs[i].Stride};{string.Join(",", c.Convs[i].Pads)}";
        }
        Checkpoint.WriteAtomic(path, tensors, meta);
    }

    static Converted ReadCache(string path)
    {
        var (list, meta) = SafeTensors.Read(path);
        var t = list.ToDictionary(p => p.Key, p => Keep(p.Value));
        var n = int.Parse(meta["convs"], Inv);
        var convs = new List<FoldedConv>();
        for (int i = 0; i < n; i++)
        {
            var parts = meta[$"conv{i}"].Split(';');
            long[] pads = parts[1].Length == 0 ? [] : [.. parts[1].Split(',').Select(v => long.Parse(v, Inv))];
            convs.Add(new FoldedConv(t[$"conv{i}.weight"], t[$"conv{i}.bias"], int.Parse(parts[0], Inv), pads));
        }
        return new Converted(convs, t["mean_image"]);
    }

    static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    public static Converted Convert(string modelPath, string preprocessPath)
    {
        if (!File.Exists(modelPath))
            throw new UserError($"'{modelPath}': ResNet-18 ONNX model not found (restore and build the solution; it comes from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18)");
        var graph = OnnxReader.Read(modelPath);
        var prep = OnnxReader.Read(preprocessPath);
        var byOutput = graph.Nodes.ToDictionary(n => n.Outputs[0]);
        var consumers = graph.Nodes.SelectMany(n => n.Inputs.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        var convs = new List<FoldedConv>();
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            var bn = consumers[conv.Outputs[0]].SingleOrDefault(n => n.OpType == "BatchNormalization")
                ?? throw new UserError($"'{modelPath}': conv '{conv.Outputs[0]}' has no batch norm after it; not the expected ResNet-18");
            var w = Get(graph, conv.Inputs[1]);
            var scale = Get(graph, bn.Inputs[1]).Data;
            var beta = Get(graph, bn.Inputs[2]).Data;
            var mean = Get(graph, bn.Inputs[3]).Data;
            var variance = Get(graph, bn.Inputs[4]).Data;
            var eps = bn.Float("epsilon", 1e-5f);
            var outC = (int)w.Dims[0];
            var perOut = w.Data.Length / outC;
            var folded = new float[w.Data.Length];
            var bias = new float[outC];
            for (int o = 0; o < outC; o++)
            {
                // BN(conv(x)) = g * (conv(x) - m) / sqrt(v + eps) + b, folded into the conv (computed in double).
                var k = scale[o] / Math.Sqrt(variance[o] + eps);
                for (int j = 0; j < perOut; j++) folded[o * perOut + j] = (float)(w.Data[o * perOut + j] * k);
                bias[o] = (float)(beta[o] - mean[o] * k);
            }
            var strides = conv.Ints("strides");
            convs.Add(new FoldedConv(Keep(tensor(folded, w.Dims)), Keep(tensor(bias, [outC])), (int)(strides.Length > 0 ? strides[0] : 1), conv.Ints("pads")));
        }
        var meanImage = prep.Initializers.Values.SingleOrDefault(t => t.Dims.Length == 4 && t.Dims[1] == 3)
            ?? throw new UserError($"'{preprocessPath}': no mean image in the preprocessing model");
        return new Converted(convs, Keep(tensor(meanImage.Data, meanImage.Dims)));
    }

    static OnnxTensor Get(OnnxGraph g, string name) =>
        g.Initializers.TryGetValue(name, out var t) ? t : throw new UserError($"ONNX initialiser '{name}' missing");

    // Process-wide weights must outlive whatever dispose scope the first caller happens to be in.
    static Tensor Keep(Tensor t) => t.DetachFromDisposeScope();
}
