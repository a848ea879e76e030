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

    [Theory]
    [InlineData("steps", "sampling.steps must be at least 1, got 0")]
    [InlineData("sigmaMin", "sampling.sigmaMin must be positive and finite, got 0")]
    [InlineData("sigmaMax", "sampling.sigmaMax must be finite and above sigmaMin (0.002), got -1")]
    [InlineData("sigmaBelow", "sampling.sigmaMax must be finite and above sigmaMin (5), got 4")]
    [InlineData("sigmaNaN", "sampling.sigmaMax must be finite and above sigmaMin (0.002), got NaN")]
    [InlineData("sigmaData", "sampling.sigmaData must be positive and finite, got 0")]
    [InlineData("guidance", "sampling.guidance must be finite and not negative, got -5")]
    [InlineData("sampler", "sampling.sampler must be one of euler, heun, sde, dpm++2m, got 'bogus'")]
    [InlineData("noiseScale", "sampling.noiseScale must be 0 to 1, got 1.5")]
    public void Sampling_defaults_out_of_range_are_refused_naming_the_file_and_the_field(string field, string says)
    {
        using var dir = new TempDir();
        var path = dir.File(field + ".safetensors");
        var bad = field switch
        {
            "steps" => new SamplingDefaults { Steps = 0 },
            "sigmaMin" => new SamplingDefaults { SigmaMin = 0 },
            "sigmaMax" => new SamplingDefaults { SigmaMax = -1 },
            "sigmaBelow" => new SamplingDefaults { SigmaMin = 5, SigmaMax = 4 },
            "sigmaNaN" => new SamplingDefaults { SigmaMax = double.NaN },
            "sigmaData" => new SamplingDefaults { SigmaData = 0 },
            "guidance" => new SamplingDefaults { Guidance = -5 },
            "noiseScale" => new SamplingDefaults { NoiseScale = 1.5 },
            _ => new SamplingDefaults { Sampler = "bogus" },
        };
        Checkpoint.Save(path, new TinyNet(new TinyConfig()), sampling: bad);
        Assert.Equal($"'{path}': the checkpoint header's {says}", Assert.Throws<UserError>(() => Checkpoint.ReadHeader(path)).Message);
    }

    [Fact]
    public void An_older_file_whose_sigma_max_metric_cannot_be_sampled_with_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("old.safetensors");
        Checkpoint.Save(path, new TinyNet(new TinyConfig()), metrics: new Dictionary<string, double> { ["sigma_max"] = -1 });
        Assert.Equal($"'{path}': the metric sigma_max, which a file without sampling defaults samples from: sigmaMax must be finite and above sigmaMin (0.002), got -1",
            Assert.Throws<UserError>(() => Checkpoint.ReadHeader(path)).Message);
    }
}
