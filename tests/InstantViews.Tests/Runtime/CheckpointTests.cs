using InstantViews.Runtime;
using static InstantViews.Tests.TensorAssert;
using static TorchSharp.torch;

namespace InstantViews.Tests.Runtime;

public class CheckpointTests
{
    public CheckpointTests() => TestTorch.Init();

    static TinyNet Make(int seed, int hidden = 8)
    {
        random.manual_seed(seed);
        return new TinyNet(new TinyConfig(4, hidden));
    }

    [Fact]
    public void Fp32_round_trip_is_exact_and_rebuilds_from_header()
    {
        using var dir = new TempDir();
        var net = Make(1);
        Checkpoint.Save(dir.File("a.safetensors"), net, step: 42, metrics: new Dictionary<string, double> { ["loss"] = 0.5 });
        var (loaded, header) = Checkpoint.Load(dir.File("a.safetensors"));
        Assert.Equal("test-tiny", header.Kind);
        Assert.Equal(42, header.Step);
        Assert.Equal(0.5, header.Metrics["loss"]);
        Assert.Equal(8, header.ConfigAs<TinyConfig>().Hidden);
        var other = Assert.IsType<TinyNet>(loaded);
        foreach (var (name, t) in net.state_dict())
            Assert.True(Same(t, other.state_dict()[name]), name);
        using var x = randn(2, 4, 8, 8);
        Assert.True(Same(net.forward(x), other.forward(x)));
    }

    [Fact]
    public void Fp16_round_trip_is_within_fp16_rounding()
    {
        using var dir = new TempDir();
        var net = Make(2);
        Checkpoint.Save(dir.File("h.safetensors"), net, fp16: true);
        var (loaded, _) = Checkpoint.Load<TinyNet>(dir.File("h.safetensors"));
        foreach (var (name, t) in net.state_dict())
        {
            var back = loaded.state_dict()[name];
            var tol = t.abs().max().item<float>() * 1e-3f + 1e-6f;
            Assert.True((t - back).abs().max().item<float>() <= tol, name);
            Assert.True(Same(t.to_type(ScalarType.Float16).to_type(ScalarType.Float32), back), name);
        }
    }

    [Fact]
    public void Interrupted_save_leaves_previous_checkpoint_loadable()
    {
        using var dir = new TempDir();
        var path = dir.File("c.safetensors");
        var first = Make(3);
        Checkpoint.Save(path, first, step: 1);
        Checkpoint.BeforeRename = _ => throw new IOException("killed before rename");
        try { Assert.Throws<IOException>(() => Checkpoint.Save(path, Make(4), step: 2)); }
        finally { Checkpoint.BeforeRename = null; }
        var (loaded, header) = Checkpoint.Load<TinyNet>(path);
        Assert.Equal(1, header.Step);
        Assert.True(Same(first.state_dict()["conv1.weight"], loaded.state_dict()["conv1.weight"]));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Truncated_file_gives_clear_error()
    {
        using var dir = new TempDir();
        var path = dir.File("t.safetensors");
        Checkpoint.Save(path, Make(5));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<UserError>(() => Checkpoint.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Foreign_file_gives_clear_error()
    {
        using var dir = new TempDir();
        var path = dir.File("f.safetensors");
        File.WriteAllText(path, "this is not a checkpoint at all");
        var e = Assert.Throws<UserError>(() => Checkpoint.Load(path));
        Assert.Contains("not a safetensors file", e.Message);
        var missing = Assert.Throws<UserError>(() => Checkpoint.Load(dir.File("none.safetensors")));
        Assert.Contains("not found", missing.Message);
    }

    [Fact]
    public void Safetensors_without_header_is_rejected()
    {
        using var dir = new TempDir();
        var path = dir.File("plain.safetensors");
        using var t = ones(2, 2);
        Checkpoint.WriteAtomic(path, [new("w", t)], null);
        var e = Assert.Throws<UserError>(() => Checkpoint.Load(path));
        Assert.Contains("without an InstantViews header", e.Message);
    }

    [Fact]
    public void Shape_mismatch_names_every_offending_tensor()
    {
        var small = Make(6, hidden: 8);
        var big = Make(7, hidden: 16);
        var e = Assert.Throws<UserError>(() => Checkpoint.LoadWeights(big, small.state_dict(), "x"));
        Assert.Contains("'conv1.weight' has shape [8,4,3,3]", e.Message);
        Assert.Contains("'conv2.weight'", e.Message);
        Assert.Contains("'norm.weight'", e.Message);
    }

    [Fact]
    public void Extra_training_tensors_round_trip_beside_the_model()
    {
        using var dir = new TempDir();
        var net = Make(8);
        using var m = arange(6f).reshape(2, 3);
        Checkpoint.Save(dir.File("e.safetensors"), net, extra: [new("adam/m", m)]);
        var (_, tensors) = Checkpoint.ReadAll(dir.File("e.safetensors"));
        var extras = Checkpoint.Extras(tensors, "adam/");
        Assert.True(Same(extras["m"], m));
    }
}
