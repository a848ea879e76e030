using System.Diagnostics;
using System.Text;
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

    /// <summary>A safetensors file of <paramref name="dataBytes"/> zero bytes after the given JSON header.</summary>
    static void WriteRaw(string path, string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(bytes, 0);
        h.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void A_name_stored_twice_is_refused_naming_the_file_and_the_name()
    {
        using var dir = new TempDir();
        const string entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        WriteRaw(dir.File("dup.safetensors"), $"{{\"w\":{entry},\"w\":{entry}}}", 4);
        var e = Assert.Throws<UserError>(() => Checkpoint.ReadAll(dir.File("dup.safetensors")));
        Assert.Equal($"'{dir.File("dup.safetensors")}': tensor 'w' is stored twice (a duplicate name in the safetensors header)", e.Message);
        WriteRaw(dir.File("field.safetensors"), "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        e = Assert.Throws<UserError>(() => Checkpoint.ReadAll(dir.File("field.safetensors")));
        Assert.Equal($"'{dir.File("field.safetensors")}': 'dtype' appears twice in the header entry 'w'", e.Message);

        // A legacy name beside its current name: two values for one tensor.
        var net = Make(9);
        using var a = ones(2);
        using var b = zeros(2);
        Checkpoint.Save(dir.File("legacy.safetensors"), net, extra: [new("ema/<Net>k__BackingField.x", a), new("ema/net.x", b)]);
        e = Assert.Throws<UserError>(() => Checkpoint.Load(dir.File("legacy.safetensors")));
        Assert.Equal($"'{dir.File("legacy.safetensors")}': tensor 'ema/net.x' is stored twice (as 'ema/<Net>k__BackingField.x' and 'ema/net.x')", e.Message);
    }

    [Fact]
    public void A_header_config_that_does_not_fit_the_tensors_is_refused_before_the_model_is_allocated()
    {
        using var dir = new TempDir();
        var path = dir.File("edited.safetensors");
        // A billion hidden channels: 144 GB for conv1.weight alone, were the model built before the check.
        Checkpoint.Save(path, "test-tiny", new TinyConfig(4, 1_000_000_000), Make(10).state_dict());
        var e = Assert.Throws<UserError>(() => Checkpoint.Load(path));
        Assert.StartsWith($"'{path}': the header's 'test-tiny' config does not fit the stored weights: 'conv1.weight' has shape [8,4,3,3], the config wants [1000000000,4,3,3]", e.Message);
        var shapes = Checkpoint.ExpectedShapes("test-tiny", System.Text.Json.JsonSerializer.SerializeToElement(new TinyConfig(4, 1_000_000_000), Json.Options));
        Assert.Equal([4, 1_000_000_000, 3, 3], shapes["conv2.weight"]);
        // Data sizes are checked against the declared shapes, naming the tensor.
        WriteRaw(dir.File("lies.safetensors"), "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        Assert.Contains("tensor 'w' has 8 bytes, shape [3] needs 12", Assert.Throws<UserError>(() => Checkpoint.ReadAll(dir.File("lies.safetensors"))).Message);
    }

    [Fact]
    public async Task Devices_pipes_and_folders_are_refused_before_reading()
    {
        using var dir = new TempDir();
        Assert.Equal("'/dev/zero': empty, or not a regular file (a device, pipe or socket)", Assert.Throws<UserError>(() => Checkpoint.Load("/dev/zero")).Message);
        Assert.Equal($"'{dir.Path}': a folder, not a model file", Assert.Throws<UserError>(() => Checkpoint.Load(dir.Path)).Message);
        Assert.Equal($"'{dir.Path}': a folder, not a file", Assert.Throws<UserError>(() => Checkpoint.ReadAll(dir.Path)).Message);
        if (!OperatingSystem.IsLinux()) return;
        // A pipe nobody writes to: opening it would wait for a writer forever.
        var fifo = dir.File("pipe.safetensors");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        var load = Task.Run(() => Assert.Throws<UserError>(() => Checkpoint.Load(fifo)).Message);
        if (await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) != load)
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // unblock the reader before failing
            Assert.Fail("the pipe was opened for reading");
        }
        Assert.Equal($"'{fifo}': empty, or not a regular file (a device, pipe or socket)", await load);
    }

    [Fact]
    public void Lossy_values_are_counted_as_an_fp16_save_would_change_them()
    {
        // 65504 is fp16's largest value and 65519 rounds to it; 65520 and beyond become infinite. 2^-24 is its smallest
        // subnormal: 3e-8 rounds up to it, while 1e-8 and 2^-25 (a tie, to even) become 0.
        using var w = tensor(new[] { 65504f, 65519f, 65520f, -7e4f, 1e-8f, MathF.Pow(2, -25), 3e-8f, 0f, float.NaN, float.NegativeInfinity, 1f });
        using var clean = ones(3);
        using var counts = tensor(new long[] { 1, 2 });
        using var state = full(2, float.NaN);
        KeyValuePair<string, Tensor>[] tensors = [new("clean", clean), new("w", w), new("counts", counts), new("adam/m", state)];
        Assert.Equal([new Checkpoint.LossyTensor("w", 2, 2, 2)], Checkpoint.LossyTensors(tensors, fp16: true));
        Assert.Equal([new Checkpoint.LossyTensor("w", 0, 0, 2)], Checkpoint.LossyTensors(tensors, fp16: false));
        using var half = w.to_type(ScalarType.Float16);
        Assert.Equal([new Checkpoint.LossyTensor("w", 0, 0, 4)], Checkpoint.LossyTensors([new("w", half)], fp16: true));
    }
}
