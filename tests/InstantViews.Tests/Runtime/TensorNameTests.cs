using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using InstantViews.GenWarp;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using TorchSharp;
using static InstantViews.Tests.TensorAssert;
using static TorchSharp.torch;

namespace InstantViews.Tests.Runtime;

public partial class TensorNameTests
{
    public TensorNameTests() => TestTorch.Init();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")]
    private static partial Regex PlainName();

    /// <summary>Every registered model kind of the library, built from its default config (grown generators too).</summary>
    static IEnumerable<(string Kind, nn.Module Model)> EveryModelKind()
    {
        foreach (var type in typeof(Checkpoint).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<ModelKindAttribute>() is not { } a) continue;
            var config = JsonSerializer.SerializeToElement(Activator.CreateInstance(a.ConfigType)!, a.ConfigType, Json.Options);
            yield return (a.Kind, Checkpoint.Build(a.Kind, config));
        }
        yield return ("pagoda-generator (grown)", new OneStepGenerator(new GeneratorConfig { Levels = 2 }));
    }

    [Fact]
    public void Every_model_kind_names_its_tensors_plainly()
    {
        var kinds = new List<string>();
        foreach (var (kind, model) in EveryModelKind())
        {
            kinds.Add(kind);
            var names = model.state_dict().Keys.ToList();
            Assert.NotEmpty(names);
            foreach (var name in names) Assert.True(PlainName().IsMatch(name), $"{kind}: tensor name '{name}'");
            model.Dispose();
        }
        Assert.Contains("genwarp", kinds);
        Assert.Contains("warp-inpaint", kinds);
        Assert.Contains("depth-unet", kinds);
    }

    [Fact]
    public void Every_model_kind_builds_on_the_meta_device_with_the_shapes_it_has_on_the_cpu()
    {
        // What Checkpoint.Load checks a header's config with before building the model: no memory, same tensors.
        foreach (var type in typeof(Checkpoint).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<ModelKindAttribute>() is not { } a) continue;
            var config = JsonSerializer.SerializeToElement(Activator.CreateInstance(a.ConfigType)!, a.ConfigType, Json.Options);
            var expected = Checkpoint.ExpectedShapes(a.Kind, config);
            using (BuildDevice.Meta())
            {
                using var meta = Checkpoint.Build(a.Kind, config);
                Assert.All(meta.state_dict(), p => Assert.True(p.Value.device_type == DeviceType.META, $"{a.Kind}: '{p.Key}' is on {p.Value.device}"));
            }
            Assert.Null(BuildDevice.Current);
            using var cpu = Checkpoint.Build(a.Kind, config);
            Assert.Equal(cpu.state_dict().Select(p => (p.Key, string.Join(",", p.Value.shape))), expected.Select(p => (p.Key, string.Join(",", p.Value))));
        }
    }

    [Fact]
    public void GenWarp_submodules_have_their_documented_prefixes()
    {
        using var model = new GenWarpModel(new GenWarpConfig());
        var prefixes = model.state_dict().Keys.Select(k => k[..k.IndexOf('.')]).ToHashSet();
        Assert.Equal(new HashSet<string> { "denoiser", "preserver", "targetGuider", "sourceGuider", "globalEncoder" }, prefixes);
    }

    [Fact]
    public void A_checkpoint_with_legacy_backing_field_names_loads_with_the_same_values()
    {
        using var dir = new TempDir();
        random.manual_seed(3);
        var cfg = new WarpInpaintConfig { Net = WarpInpaintConfig.ForGenWarpNet(new GenWarpConfig().Net with { Channels = 8, Heads = 2, ContextDim = 8 }) };
        using var model = new WarpInpaintModel(cfg);
        // As files were written before: "<Net>k__BackingField.convIn.bias", and the same under the EMA prefix.
        var old = model.state_dict().Select(p => new KeyValuePair<string, Tensor>(p.Key.Replace("net.", "<Net>k__BackingField."), p.Value)).ToList();
        Assert.All(old, p => Assert.StartsWith("<Net>k__BackingField.", p.Key));
        var extra = old.Select(p => new KeyValuePair<string, Tensor>("ema/" + p.Key, p.Value));
        Checkpoint.Save(dir.File("old.safetensors"), "warp-inpaint", cfg, old.Concat(extra));
        var (loaded, _) = Checkpoint.Load<WarpInpaintModel>(dir.File("old.safetensors"));
        foreach (var (name, t) in model.state_dict()) Assert.True(Same(t, loaded.state_dict()[name]), name);
        var (_, tensors) = Checkpoint.ReadAll(dir.File("old.safetensors"));
        Assert.All(tensors, p => Assert.DoesNotContain("k__BackingField", p.Key));
        Assert.Contains(tensors, p => p.Key == "ema/net.convIn.bias");
    }

    [Theory]
    [InlineData("<DenoiserNet>k__BackingField.convIn.bias", "denoiser.convIn.bias")]
    [InlineData("<ReferenceNet>k__BackingField.down.0.weight", "preserver.down.0.weight")]
    [InlineData("adam_g/m/<Net>k__BackingField.out.weight", "adam_g/m/net.out.weight")]
    [InlineData("targetGuider.layers.0.weight", "targetGuider.layers.0.weight")]
    public void Legacy_names_map_to_current_ones(string old, string now) => Assert.Equal(now, Checkpoint.CurrentName(old));
}
