using System.CommandLine;
using System.Globalization;
using InstantViews.Depth;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>The options that describe an external ONNX depth model, shared by `depth` and the verbs that read one photo.</summary>
public sealed record OnnxOptions(Option<string?> Preset, Option<string?> Size, Option<string?> Mean, Option<string?> Std, Option<string?> Kind, Option<string?> ScaleShift, Option<string?> Known)
{
    public static OnnxOptions Create()
    {
        var preset = new Option<string?>("--onnx-preset")
        {
            Description = "ONNX model family: depth-anything-v2, midas-small, metric or custom (default: detected from the model's input and output signature)",
        };
        preset.AcceptOnlyFromAmong([.. OnnxDepthPreset.All.Select(p => p.Name)]);
        return new(preset,
            new Option<string?>("--onnx-size") { Description = "ONNX model input WxH (default: the model's fixed size, else the preset's: Depth Anything 518 px short side in multiples of 14)" },
            new Option<string?>("--onnx-mean") { Description = "ONNX input mean per channel, RGB in [0,1] (default: the preset's, ImageNet 0.485,0.456,0.406)" },
            new Option<string?>("--onnx-std") { Description = "ONNX input std per channel (default: the preset's, ImageNet 0.229,0.224,0.225)" },
            new Option<string?>("--onnx-output") { Description = "metric (depth in metres) or inverse (relative inverse depth); default: the preset's" },
            new Option<string?>("--onnx-scale-shift") { Description = "S,T: metric depth = S*out+T; inverse: depth = 1/(S*out+T) (default for inverse: fitted to --onnx-known, else guessed by the focal-length prior)" },
            new Option<string?>("--onnx-known") { Description = "Known depths 'x,y,metres;x,y,metres;...': 2 or more fit S,T of inverse depth (1 rescales the prior's guess); for metric output they fit S" });
    }

    public void AddTo(System.CommandLine.Command cmd)
    {
        cmd.Options.Add(Preset);
        cmd.Options.Add(Size);
        cmd.Options.Add(Mean);
        cmd.Options.Add(Std);
        cmd.Options.Add(Kind);
        cmd.Options.Add(ScaleShift);
        cmd.Options.Add(Known);
    }

    static double[] Numbers(string text, int count, string name)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count || !parts.All(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)))
            throw new UserError($"{name}: expected {count} comma-separated numbers, got '{text}'");
        return parts.Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    public OnnxDepthOptions Read(ParseResult p)
    {
        var o = new OnnxDepthOptions
        {
            Preset = p.GetValue(Preset) is { } name ? OnnxDepthPreset.Named(name) : null,
            Mean = p.GetValue(Mean) is { } mean ? Numbers(mean, 3, "--onnx-mean") : null,
            Std = p.GetValue(Std) is { } std ? Numbers(std, 3, "--onnx-std") : null,
            Output = p.GetValue(Kind) switch
            {
                null => null,
                "metric" => DepthOutputKind.MetricDepth,
                "inverse" => DepthOutputKind.InverseDepth,
                var k => throw new UserError($"--onnx-output must be metric or inverse, got '{k}'"),
            },
        };
        if (p.GetValue(Size) is { } size)
        {
            var wh = size.Split('x');
            if (wh.Length != 2 || !int.TryParse(wh[0], out var w) || !int.TryParse(wh[1], out var h) || w < 1 || h < 1)
                throw new UserError($"--onnx-size: expected WxH, got '{size}'");
            o = o with { InputWidth = w, InputHeight = h };
        }
        if (p.GetValue(ScaleShift) is { } st)
        {
            var v = Numbers(st, 2, "--onnx-scale-shift");
            o = o with { Scale = v[0], Shift = v[1] };
        }
        if (p.GetValue(Known) is { } known)
        {
            var points = known.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(k =>
            {
                var v = Numbers(k, 3, "--onnx-known");
                if (v[0] != Math.Floor(v[0]) || v[1] != Math.Floor(v[1])) throw new UserError($"--onnx-known: pixel coordinates are whole numbers, got '{k}'");
                return new KnownDepth((int)v[0], (int)v[1], v[2]);
            }).ToList();
            if (points.Count == 0) throw new UserError($"--onnx-known: no points in '{known}'");
            o = o with { Known = points };
        }
        return o;
    }
}
