using System.Text.Json;
using InstantViews.Runtime;

namespace InstantViews.Tests.Runtime;

public class SamplingDefaultsTests
{
    public SamplingDefaultsTests() => TestTorch.Init();

    static CheckpointHeader Header(string kind, Dictionary<string, double>? metrics = null) =>
        new(kind, JsonSerializer.SerializeToElement(new { }), 0, metrics ?? []);

    [Fact]
    public void A_written_header_is_read_back_and_old_files_fall_back_to_the_metric_then_the_kind()
    {
        using var dir = new TempDir();
        var net = new TinyNet(new TinyConfig());
        var sampling = new SamplingDefaults { SigmaMax = 12, Steps = 7, Guidance = 3, Sampler = "dpm++2m" };
        Checkpoint.Save(dir.File("s.safetensors"), net, sampling: sampling);
        Assert.Equal(sampling, SamplingDefaults.Of(Checkpoint.ReadHeader(dir.File("s.safetensors"))));

        Checkpoint.Save(dir.File("old.safetensors"), net, metrics: new Dictionary<string, double> { ["sigma_max"] = 33 });
        var old = Checkpoint.ReadHeader(dir.File("old.safetensors"));
        Assert.Null(old.Sampling);
        Assert.Equal(33, SamplingDefaults.Of(old).SigmaMax);

        Assert.Equal((40.0, 18, 2.0), (SamplingDefaults.Of(Header("genwarp")).SigmaMax, SamplingDefaults.Of(Header("genwarp")).Steps, SamplingDefaults.Of(Header("genwarp")).Guidance));
        Assert.Equal(1.0, SamplingDefaults.Of(Header("warp-inpaint")).Guidance);
        Assert.Equal((80.0, 40), (SamplingDefaults.Of(Header("unet")).SigmaMax, SamplingDefaults.Of(Header("unet")).Steps));
    }
}
