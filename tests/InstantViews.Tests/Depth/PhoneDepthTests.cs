using InstantViews.Depth;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Runtime;
using static TorchSharp.torch;

namespace InstantViews.Tests.Depth;

/// <summary>Depth maps phones embed in JPEGs (GDepth, Dynamic Depth), written here to the specifications and read back exactly.</summary>
public class PhoneDepthTests
{
    public PhoneDepthTests() => TestTorch.Init();

    const int W = 16, H = 12;

    static Tensor Photo()
    {
        random.manual_seed(5);
        return rand(3, H, W) * 2 - 1;
    }

    static byte[] RandomBytes(int n, int seed)
    {
        var r = new Random(seed);
        var b = new byte[n];
        r.NextBytes(b);
        return b;
    }

    static Dictionary<string, string> Range(string format, string near, string far) =>
        new() { ["Format"] = format, ["Near"] = near, ["Far"] = far, ["Mime"] = "image/png" };

    static string Save(TempDir dir, string name, byte[] bytes)
    {
        File.WriteAllBytes(dir.File(name), bytes);
        return dir.File(name);
    }

    static void AssertMetres(double[] expected, Tensor depth)
    {
        Assert.Equal([(long)H, W], depth.shape);
        var d = depth.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(d[i] - expected[i]) <= 1e-6 * expected[i], $"pixel {i}: {d[i]} vs {expected[i]}");
    }

    [Fact]
    public void GDepth_range_inverse_in_extended_xmp_chunks_reads_back_exactly()
    {
        using var dir = new TempDir();
        var values = RandomBytes(W * H, 1);
        var png = PhoneJpeg.Grey8Png(values, W, H);
        // The depth image (base64) in the extended XMP, in chunks written last-first: the offsets put them back.
        var path = Save(dir, "phone.jpg", PhoneJpeg.GDepth(Photo(), Range("RangeInverse", "0.5", "12.25"), new() { ["Data"] = Convert.ToBase64String(png) },
            chunk: 300, chunks: c => Enumerable.Reverse(c)));
        var est = DepthSource.Open("auto", image: path);
        var phone = Assert.IsType<PhoneDepth>(est);
        Assert.True(est.FixedMap);
        const double near = 0.5, far = 12.25;
        AssertMetres(values.Select(b => far * near / (far - b / 255.0 * (far - near))).ToArray(), est.Estimate(Photo()));
        Assert.Contains("depth map embedded in 'phone.jpg' (GDepth RangeInverse, near 0.5 m, far 12.25 m, 16x12)", est.Description);
        Assert.Equal(DepthRangeFormat.RangeInverse, phone.Map.Format);
    }

    [Fact]
    public void GDepth_range_linear_16_bit_in_millimetres_as_elements_reads_back_exactly()
    {
        using var dir = new TempDir();
        var r = new Random(2);
        var values = Enumerable.Range(0, W * H).Select(_ => (ushort)r.Next(65536)).ToArray();
        var png = Png.EncodeGray16(values, W, H);
        var props = Range("RangeLinear", "300", "9000");
        props["Units"] = "mm";
        props["Data"] = Convert.ToBase64String(png, Base64FormattingOptions.InsertLineBreaks); // line breaks are allowed in base64
        var path = Save(dir, "linear.jpg", PhoneJpeg.GDepthElements(Photo(), props));
        AssertMetres(values.Select(v => 0.3 + v / 65535.0 * (9.0 - 0.3)).ToArray(), PhoneDepth.Open(path).Estimate(Photo()));
    }

    [Fact]
    public void A_smaller_map_of_the_same_shape_is_resized_and_another_shape_refused()
    {
        using var dir = new TempDir();
        var props = Range("RangeLinear", "1", "3");
        props["Data"] = Convert.ToBase64String(PhoneJpeg.Grey8Png(Enumerable.Repeat((byte)51, 8 * 6).ToArray(), 8, 6)); // v = 0.2 -> 1.4 m
        var path = Save(dir, "half.jpg", PhoneJpeg.GDepth(Photo(), props, []));
        var depth = PhoneDepth.Open(path).Estimate(Photo());
        Assert.Equal([(long)H, W], depth.shape);
        Assert.True((depth - 1.4).abs().max().item<float>() < 1e-6);
        props["Data"] = Convert.ToBase64String(PhoneJpeg.Grey8Png(new byte[8 * 8], 8, 8));
        var square = Save(dir, "square.jpg", PhoneJpeg.GDepth(Photo(), props, []));
        var e = Assert.Throws<UserError>(() => PhoneDepth.Open(square).Estimate(Photo()));
        Assert.Contains("square.jpg': its embedded depth map is 8x8, the image 16x12: not the same aspect ratio", e.Message);
    }

    [Fact]
    public void Distance_along_the_ray_becomes_z()
    {
        using var dir = new TempDir();
        var props = Range("RangeInverse", "2", "5");
        props["MeasureType"] = "OpticRay";
        props["Data"] = Convert.ToBase64String(PhoneJpeg.Grey8Png(new byte[W * H], W, H)); // v = 0: 2 m along every ray
        var path = Save(dir, "ray.jpg", PhoneJpeg.GDepth(Photo(), props, []));
        var cam = Camera.FromFov(W, H, 50);
        var expected = new double[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                expected[y * W + x] = 2 / Math.Sqrt(1 + Math.Pow((x + 0.5 - cam.Cx) / cam.Fx, 2) + Math.Pow((y + 0.5 - cam.Cy) / cam.Fy, 2));
        AssertMetres(expected, PhoneDepth.Open(path).Estimate(Photo(), cam));
    }

    [Fact]
    public void Dynamic_depth_reads_the_container_item_its_depth_map_names()
    {
        using var dir = new TempDir();
        var values = RandomBytes(W * H, 3);
        var depthPng = PhoneJpeg.Grey8Png(values, W, H);
        var confidence = PhoneJpeg.Grey8Png(RandomBytes(W * H, 4), W, H);
        var map = new Dictionary<string, string> { ["Format"] = "RangeLinear", ["Near"] = "0.25", ["Far"] = "4", ["Units"] = "Meters", ["DepthURI"] = "android/depthmap" };
        var path = Save(dir, "dd.jpg", PhoneJpeg.DynamicDepth(Photo(), map, ("Depth", "android/depthmap", depthPng), ("Confidence", "android/confidencemap", confidence)));
        var est = PhoneDepth.Open(path);
        Assert.Equal("Dynamic Depth", est.Map.Container);
        AssertMetres(values.Select(b => 0.25 + b / 255.0 * 3.75).ToArray(), est.Estimate(Photo()));
        // The same file without its appended items is refused, naming the file.
        var cut = Save(dir, "dd-cut.jpg", File.ReadAllBytes(path)[..^(depthPng.Length + confidence.Length + 10)]);
        Assert.Contains("dd-cut.jpg'", Assert.ThrowsAny<UserError>(() => PhoneDepth.Open(cut).Estimate(Photo())).Message);
    }

    [Fact]
    public void Photos_without_an_embedded_map_have_none()
    {
        using var dir = new TempDir();
        var plain = Save(dir, "plain.jpg", PhoneJpeg.Jpeg(Photo()));
        ImageFile.Write(dir.File("plain.png"), Photo());
        var otherXmp = Save(dir, "xmp.jpg", PhoneJpeg.GDepthElements(Photo(), []));
        foreach (var path in new[] { plain, dir.File("plain.png"), otherXmp })
        {
            Assert.Null(PhoneDepth.TryOpen(path));
            Assert.Contains("no depth map embedded", Assert.Throws<UserError>(() => DepthSource.Open("embedded", image: path)).Message);
        }
        // auto falls back to the built-in network, and says why.
        var auto = DepthSource.Open("auto", image: plain);
        Assert.IsType<BuiltinDepth>(Assert.IsType<EdgeAwareDepth>(auto).Inner);
        Assert.False(auto.FixedMap);
        Assert.Contains("as 'plain.jpg' has no embedded depth map", auto.Description);
        Assert.Contains("this command has no single photo", Assert.Throws<UserError>(() => DepthSource.Open("embedded")).Message);
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "bad-base64", "GDepth:Data is not valid base64" },
        { "no-near", "GDepth:Near is missing" },
        { "no-far", "GDepth:Far is missing" },
        { "near-text", "GDepth:Near 'close' is not a number" },
        { "far-below-near", "GDepth:Near 5 and Far 2 must satisfy" },
        { "bad-format", "GDepth:Format 'RangeSquare' is not RangeInverse or RangeLinear" },
        { "bad-units", "GDepth:Units 'furlongs' is not metres or millimetres" },
        { "truncated-extended", "its GDepth depth map is unreadable: the extended XMP" },
        { "missing-extended", "that the XMP names is missing" },
        { "not-an-image", "its embedded GDepth depth image is neither PNG nor JPEG" },
        { "truncated-png", "its embedded GDepth depth" },
        { "bad-xml", "its XMP is not well-formed XML" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_gdepth_is_a_one_line_error_naming_the_file_and_the_problem(string name, string says)
    {
        using var dir = new TempDir();
        var png = PhoneJpeg.Grey8Png(RandomBytes(W * H, 6), W, H);
        var standard = Range("RangeInverse", "0.5", "10");
        var extended = new Dictionary<string, string> { ["Data"] = Convert.ToBase64String(png) };
        Func<List<byte[]>, IEnumerable<byte[]>>? chunks = null;
        switch (name)
        {
            case "bad-base64": extended["Data"] = "@@not*base64@@"; break;
            case "no-near": standard.Remove("Near"); break;
            case "no-far": standard.Remove("Far"); break;
            case "near-text": standard["Near"] = "close"; break;
            case "far-below-near": (standard["Near"], standard["Far"]) = ("5", "2"); break;
            case "bad-format": standard["Format"] = "RangeSquare"; break;
            case "bad-units": standard["Units"] = "furlongs"; break;
            case "truncated-extended": chunks = c => c.Take(c.Count - 1); break;
            case "missing-extended": chunks = c => []; break;
            case "not-an-image": extended["Data"] = Convert.ToBase64String("hello, depth"u8.ToArray()); break;
            case "truncated-png": extended["Data"] = Convert.ToBase64String(png[..(png.Length / 2)]); break;
            case "bad-xml": standard["Near"] = "0.5\" <broken"; break;
        }
        var path = Save(dir, name + ".jpg", PhoneJpeg.GDepth(Photo(), standard, extended, chunks: chunks));
        var e = Assert.Throws<UserError>(() => DepthSource.Open("auto", image: path).Estimate(Photo()));
        Assert.StartsWith($"'{path}': ", e.Message);
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
