using System.Text;
using System.Text.Json;
using InstantViews.GenWarp;
using InstantViews.Imaging;
using InstantViews.Nn;
using InstantViews.NovelViews.Evaluation;
using InstantViews.OneStep;
using InstantViews.Pagoda;
using InstantViews.Runtime;
using InstantViews.Scenes;
using InstantViews.Tests.Depth;
using InstantViews.Tests.GenWarp;
using InstantViews.Tests.Nn;
using static TorchSharp.torch;

namespace InstantViews.Tests.Cli;

/// <summary>Bad inputs written once for the corpus: images, depth maps, cameras, checkpoints, tiny valid models.</summary>
public sealed class BadInputFiles : IDisposable
{
    public TempDir Dir { get; } = new();
    public string D => Dir.Path;

    public BadInputFiles()
    {
        TestTorch.Init();
        ImageFile.Write(Dir.File("img.png"), rand(3, 16, 16) * 2 - 1);
        ImageFile.Write(Dir.File("tiny.png"), rand(3, 1, 1) * 2 - 1);
        ImageFile.Write(Dir.File("strip.png"), rand(3, 10, 400) * 2 - 1);
        // Issue 32 (nvs, orbit): a wide photo (16x40) whose cap can leave a side under 8 px, a 260x260 photo that --zoom 16
        // enlarges past the frame limit, and a folder where nvs writes its second file for --out {d}/clash.png.
        ImageFile.Write(Dir.File("wide.png"), rand(3, 16, 40) * 2 - 1);
        Npy.WriteFloat32(Dir.File("wide.npy"), Enumerable.Repeat(2f, 16 * 40).ToArray(), 16, 40);
        ImageFile.Write(Dir.File("big.png"), rand(3, 260, 260) * 2 - 1);
        Npy.WriteFloat32(Dir.File("big.npy"), Enumerable.Repeat(2f, 260 * 260).ToArray(), 260, 260);
        Directory.CreateDirectory(Dir.File("clash-generated.png"));
        var png = File.ReadAllBytes(Dir.File("img.png"));
        File.WriteAllBytes(Dir.File("trunc.png"), png[..60]);
        File.WriteAllBytes(Dir.File("empty.png"), []);
        File.WriteAllText(Dir.File("text.png"), "not an image");
        File.WriteAllBytes(Dir.File("huge.png"), HugePng(100_000, 100_000));
        File.WriteAllBytes(Dir.File("zero.png"), HugePng(0, 16));
        Npy.WriteFloat32(Dir.File("depth.npy"), Enumerable.Repeat(2f, 256).ToArray(), 16, 16);
        File.WriteAllBytes(Dir.File("shape-abc.npy"), NpyHeader("(abc, 16)"));
        File.WriteAllBytes(Dir.File("shape-neg.npy"), NpyHeader("(-16, 16)"));
        File.WriteAllBytes(Dir.File("trunc.npy"), NpyHeader("(16, 16)"));
        File.WriteAllBytes(Dir.File("int16.npy"), NpyHeader("(16, 16)", "<i2"));
        File.WriteAllBytes(Dir.File("text.npy"), Encoding.ASCII.GetBytes("hello"));
        Npy.WriteFloat32(Dir.File("depth-nan.npy"), Enumerable.Repeat(float.NaN, 256).ToArray(), 16, 16);
        Npy.WriteFloat32(Dir.File("depth-small.npy"), Enumerable.Repeat(2f, 64).ToArray(), 8, 8);
        File.WriteAllText(Dir.File("cam-array.json"), "[1, 2, 3]");
        File.WriteAllText(Dir.File("cam-bad.json"), "{\"K\": [[1, 0");
        File.WriteAllText(Dir.File("cam-noK.json"), "{\"world_to_camera\": [[1,0,0,0],[0,1,0,0],[0,0,1,0]]}");
        File.WriteAllText(Dir.File("cam-negf.json"), Camera(-14, 14, "[[1,0,0,0],[0,1,0,0],[0,0,1,0]]"));
        File.WriteAllText(Dir.File("cam-rot.json"), Camera(14, 14, "[[2,0,0,0],[0,1,0,0],[0,0,1,0]]"));
        File.WriteAllText(Dir.File("cam-nan.json"), Camera(14, 14, "[[1,0,0,0],[0,1,0,0],[0,0,1,0]]").Replace("14,", "1e999,"));
        File.WriteAllText(Dir.File("cam-text.json"), "{\"K\": \"focal\", \"world_to_camera\": 3}");

        random.manual_seed(1);
        var genwarp = new GenWarpModel(TinyGenWarp.Config);
        Checkpoint.Save(Dir.File("genwarp.safetensors"), genwarp);
        Checkpoint.Save(Dir.File("baseline.safetensors"), new WarpInpaintModel(TinyGenWarp.BaselineConfig));
        Checkpoint.Save(Dir.File("unet.safetensors"), new UNet(UNetTests.Tiny()), metrics: new Dictionary<string, double> { ["sigma_max"] = 80 });
        Checkpoint.Save(Dir.File("gen.safetensors"), new OneStepGenerator(new GeneratorConfig { Net = UNetTests.Tiny() }));
        Checkpoint.Save(Dir.File("one-step.safetensors"), OneStepGenWarp.FromTeacher(genwarp, 20));
        var header = JsonSerializer.Serialize(new { format = "instantviews-checkpoint/1", kind = "unet", config = new { }, step = 0 });
        File.WriteAllBytes(Dir.File("ck-nometa.safetensors"), SafetensorsBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        File.WriteAllBytes(Dir.File("ck-badjson.safetensors"), SafetensorsBytes(Meta("{oops") + "}", 0));
        File.WriteAllBytes(Dir.File("ck-nokind.safetensors"), SafetensorsBytes(Meta(JsonSerializer.Serialize(new { format = "instantviews-checkpoint/1", config = new { }, step = 0 })) + "}", 0));
        File.WriteAllBytes(Dir.File("ck-unknown.safetensors"), SafetensorsBytes(Meta(JsonSerializer.Serialize(new { format = "instantviews-checkpoint/1", kind = "teapot", config = new { }, step = 0 })) + "}", 0));
        File.WriteAllBytes(Dir.File("ck-nodtype.safetensors"), SafetensorsBytes(Meta(header) + ",\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        File.WriteAllBytes(Dir.File("ck-40gb.safetensors"), SafetensorsBytes(Meta(header) + ",\"w\":{\"dtype\":\"F32\",\"shape\":[10000000000],\"data_offsets\":[0,40000000000]}}", 8));
        File.WriteAllBytes(Dir.File("ck-lies.safetensors"), SafetensorsBytes(Meta(header) + ",\"w\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,8]}}", 8));
        File.WriteAllBytes(Dir.File("ck-badconfig.safetensors"), SafetensorsBytes(Meta(JsonSerializer.Serialize(new { format = "instantviews-checkpoint/1", kind = "unet", config = new { channels = "many" }, step = 0 })) + "}", 0));
        var good = File.ReadAllBytes(Dir.File("genwarp.safetensors"));
        File.WriteAllBytes(Dir.File("ck-trunc.safetensors"), good[..(good.Length / 2)]);
        File.WriteAllText(Dir.File("ck-text.safetensors"), "weights");
        Directory.CreateDirectory(Dir.File("empty-dir"));
        Directory.CreateDirectory(Dir.File("existing-dir"));
        File.WriteAllText(Dir.File("a-file"), "x");

        // Issue 32: a name twice (as such, or as a legacy name beside its current one), a config that does not fit the
        // stored weights, values fp16 cannot keep, sampling defaults out of range.
        File.WriteAllBytes(Dir.File("ck-dup.safetensors"), SafetensorsBytes(Meta(header) + ",\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        var inpaintConfig = TinyGenWarp.BaselineConfig;
        var inpaint = new WarpInpaintModel(inpaintConfig).state_dict().ToList();
        inpaint.Add(new("<Net>k__BackingField.convIn.bias", inpaint.Single(p => p.Key == "net.convIn.bias").Value));
        Checkpoint.Save(Dir.File("ck-legacy-dup.safetensors"), "warp-inpaint", inpaintConfig, inpaint);
        var unet = new UNet(UNetTests.Tiny());
        Checkpoint.Save(Dir.File("ck-config-big.safetensors"), "unet", UNetTests.Tiny() with { Channels = 1 << 20 }, unet.state_dict());
        foreach (var (file, sampling) in new[]
        {
            ("ck-steps0", new SamplingDefaults { Steps = 0 }), ("ck-sigmamin0", new SamplingDefaults { SigmaMin = 0 }),
            ("ck-sigmamax-neg", new SamplingDefaults { SigmaMax = -1 }), ("ck-guidance-neg", new SamplingDefaults { Guidance = -5 }),
        })
            Checkpoint.Save(Dir.File(file + ".safetensors"), unet, sampling: sampling);
        using (no_grad())
        {
            var w = unet.state_dict()["convIn.weight"];
            w[0, 0, 0, 0] = tensor(1e5f);
            w[0, 0, 0, 1] = tensor(1e-9f);
            w[0, 0, 0, 2] = tensor(float.NaN);
        }
        Checkpoint.Save(Dir.File("unet-lossy.safetensors"), unet);
        Issue32Files(genwarp);
        StereoFiles();
        ExternalDepthFiles();
    }

    // Issue 29: a Depth Anything export, phone JPEGs with broken GDepth, a plain JPEG, a models folder holding another file.
    void ExternalDepthFiles()
    {
        File.WriteAllBytes(Dir.File("da.onnx"), TinyOnnx.Model("pixel_values", ["batch", 3, "height", "width"], "predicted_depth", ["batch", "height", "width"], [1f / 3, 1f / 3, 1f / 3], 0));
        var photo = rand(3, 16, 16) * 2 - 1;
        var range = new Dictionary<string, string> { ["Format"] = "RangeInverse", ["Near"] = "0.5", ["Far"] = "10", ["Mime"] = "image/png" };
        var data = new Dictionary<string, string> { ["Data"] = Convert.ToBase64String(PhoneJpeg.Grey8Png(new byte[256], 16, 16)) };
        File.WriteAllBytes(Dir.File("gdepth-bad.jpg"), PhoneJpeg.GDepth(photo, range, new() { ["Data"] = "%%%" }));
        File.WriteAllBytes(Dir.File("gdepth-trunc.jpg"), PhoneJpeg.GDepth(photo, range, data, chunk: 100, chunks: c => c.Skip(1)));
        File.WriteAllBytes(Dir.File("plain.jpg"), PhoneJpeg.Jpeg(photo));
        Directory.CreateDirectory(Dir.File("models-taken"));
        File.WriteAllText(Dir.File("models-taken/midas-v2.1-small.onnx"), "another model");
    }

    // Stereo pairs (eval stereo-import, eval stereo-info): a good 16x16 pair folder, and copies each broken in one way.
    void StereoFiles()
    {
        var disparity = Enumerable.Repeat(2f, 256).ToArray();
        var calibration = new StereoCalibration(StereoCalibration.Intrinsics(20, 7.5, 7.5), StereoCalibration.Intrinsics(20, 7.5, 7.5), 0, 100, 16, 16);
        foreach (var name in new[] { "stereo-ok", "stereo-nodisp", "stereo-truncpfm", "stereo-size", "stereo-nobaseline", "stereo-notrect", "stereo-negf", "stereo-width" })
            StereoPair.Write(Dir.File(name), rand(3, 16, 16) * 2 - 1, rand(3, 16, 16) * 2 - 1, disparity, calibration);
        void Calib(string pair, string from, string to)
        {
            var path = Dir.File($"{pair}/calib.txt");
            File.WriteAllText(path, File.ReadAllText(path).Replace(from, to));
        }
        File.Delete(Dir.File("stereo-nodisp/disp0.pfm"));
        var pfm = File.ReadAllBytes(Dir.File("stereo-ok/disp0.pfm"));
        File.WriteAllBytes(Dir.File("stereo-truncpfm/disp0.pfm"), pfm[..(pfm.Length / 2)]);
        File.WriteAllBytes(Dir.File("stereo-trunc.pfm"), pfm[..(pfm.Length / 2)]);
        File.WriteAllBytes(Dir.File("stereo-rgb.pfm"), [.. Encoding.ASCII.GetBytes("PF\n16 16\n-1\n"), .. new byte[16 * 16 * 12]]);
        ImageFile.Write(Dir.File("stereo-size/im1.png"), rand(3, 16, 8) * 2 - 1);
        Calib("stereo-nobaseline", "baseline=100\n", "");
        Calib("stereo-notrect", "cam1=[20 0 7.5; 0 20", "cam1=[21 0 7.5; 0 21");
        Calib("stereo-negf", "cam0=[20", "cam0=[-20");
        Calib("stereo-width", "width=16", "width=15");
    }

    // Issue 32: evaluation shards of other settings (written as genwarp eval writes them, with no scored batches).
    void Issue32Files(GenWarpModel genwarp)
    {
        var parts = new List<ShardPart> { new("gt", "mid", 2, "warp-only", 0, 0, []) };
        void Shards(string folder, params Dictionary<string, string>[] settings)
        {
            Directory.CreateDirectory(Dir.File(folder));
            for (int i = 0; i < settings.Length; i++) ShardFile.Write(Dir.File(folder), new Shard(i, settings.Length), 8, settings[i], parts, []);
        }
        Shards("shards-steps", new() { ["--model"] = "sha256:" + new string('a', 64), ["--steps"] = "15" }, new() { ["--model"] = "sha256:" + new string('a', 64), ["--steps"] = "7" });
        Shards("shards-model", new() { ["--model"] = "sha256:" + new string('a', 64) }, new() { ["--model"] = "sha256:" + new string('b', 64) });
        // A pairs folder begun with --steps 5 (its pairs.json, as genwarp pairs writes it), and one of chunks without settings.
        var sigmaMax = SamplingDefaults.Of(Checkpoint.ReadHeader(Dir.File("genwarp.safetensors"))).SigmaMax;
        NovelViewPairSet.Claim(Dir.File("pairs-steps"), new NovelViewPairsRun
        {
            Teacher = Checkpoint.WeightsHash(genwarp),
            Count = 4,
            Chunk = 32,
            Config = new NovelViewPairsConfig { Resolution = 16, Depth = "gt", Steps = 5, SigmaMax = sigmaMax },
        });
        Directory.CreateDirectory(Dir.File("pairs-legacy"));
        File.WriteAllText(Dir.File("pairs-legacy/chunk-00000.safetensors"), "x");
        // Four pairs for the tiny models (16 px, sigma_max 20 as one-step.safetensors).
        new NovelViewPairSet(arange(4L), randn(4, 3, 16, 16) * 20, new NovelViewPairsConfig { Resolution = 16, Spp = 1, Depth = "gt", SigmaMax = 20 })
            .Save(Dir.File("distil-pairs/chunk-00000.safetensors"));
    }

    static string Meta(string header) => "{\"__metadata__\":{\"instantviews\":" + JsonSerializer.Serialize(header) + "}";

    static byte[] SafetensorsBytes(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(bytes, 0);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    static string Camera(double fx, double fy, string pose) =>
        $"{{\"width\": 16, \"height\": 16, \"K\": [[{fx}, 0, 8], [0, {fy}, 8], [0, 0, 1]], \"world_to_camera\": {pose}}}";

    static byte[] NpyHeader(string shape, string descr = "<f4")
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var len = (dict.Length + 11 + 63) / 64 * 64 - 10;
        var header = dict.PadRight(len - 1) + "\n";
        return [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)(len & 0xff), (byte)(len >> 8), .. Encoding.ASCII.GetBytes(header)];
    }

    static byte[] HugePng(uint width, uint height)
    {
        static byte[] Chunk(string type, byte[] data)
        {
            var t = Encoding.ASCII.GetBytes(type);
            var len = BitConverter.GetBytes((uint)data.Length).Reverse().ToArray();
            var crc = BitConverter.GetBytes(Crc32([.. t, .. data])).Reverse().ToArray();
            return [.. len, .. t, .. data, .. crc];
        }
        byte[] ihdr = [.. BitConverter.GetBytes(width).Reverse(), .. BitConverter.GetBytes(height).Reverse(), 8, 2, 0, 0, 0];
        return [0x89, .. "PNG\r\n\x1a\n"u8.ToArray(), .. Chunk("IHDR", ihdr), .. Chunk("IDAT", [0x78, 0x9c, 0x03, 0, 0, 0, 0, 1]), .. Chunk("IEND", [])];
    }

    static uint Crc32(byte[] bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// A corpus of bad or unusual inputs across every verb, generated here: each gets its exit code (1 run time, 2 usage),
/// a one-line error naming the file or option, no stack trace, and leaves no output behind.
/// </summary>
[Collection("console")]
public class BadInputTests(BadInputFiles files) : IClassFixture<BadInputFiles>
{
    // {d}: the fixture folder; {o}: a fresh output path whose folder must not exist afterwards.
    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        void Add(string args, int code, string names) => data.Add(args, code, names);
        const string img = "--image {d}/img.png --depth {d}/depth.npy";
        const string gw = "--model {d}/genwarp.safetensors " + img;

        // Issue 32: genwarp eval-merge, shards, pairs, distil.
        Add("genwarp eval-merge --out {d}/shards-steps", 1, "--steps 15 in shard-0-of-2.safetensors, 7 in shard-1-of-2.safetensors (not one run)");
        Add("genwarp eval-merge --out {d}/shards-model", 1, "--model sha256:aaaaaaaaaaaaaaaa in shard-0-of-2.safetensors, sha256:bbbbbbbbbbbbbbbb in shard-1-of-2.safetensors");
        Add("genwarp eval --model {d}/genwarp.safetensors --baseline {d}/baseline.safetensors --grown {d}/one-step.safetensors --pairs 2 --out {o}", 1, "one-step.safetensors': the model was never grown");
        Add("genwarp pairs --teacher {d}/genwarp.safetensors --count 4 --steps 3 --depth gt --out {d}/pairs-steps", 1, "its pairs were made with other settings (pairs.json): --steps 5, not 3");
        Add("genwarp pairs --teacher {d}/genwarp.safetensors --count 4 --chunk 2 --depth gt --out {d}/pairs-steps", 1, "--chunk 32, not 2");
        Add("genwarp pairs --teacher {d}/genwarp.safetensors --count 4 --depth gt --out {d}/pairs-legacy", 1, "holds pair chunks but no pairs.json");
        Add("genwarp distil --teacher {d}/genwarp.safetensors --pairs {d}/distil-pairs --out {o} --steps 1 --batch 100000", 1, "batch size 100000 is larger than the 4 pairs available");
        Add("genwarp distil --grow {d}/one-step.safetensors --pairs {d}/distil-pairs --out {o} --steps 1 --level-channels 0", 2, "--level-channels must be positive, got 0");
        Add("genwarp distil --grow {d}/one-step.safetensors --pairs {d}/distil-pairs --out {o} --steps 1 --level-channels -3", 2, "--level-channels must be positive, got -3");
        Add("genwarp distil --teacher {d}/genwarp.safetensors --pairs {d}/distil-pairs --out {o} --steps 6 --batch 2 --lr 1e30 --feature-size 32 --sample-every 0", 1, "no checkpoint was written, so nothing of the run is left in");

        // Stereo pairs: eval stereo-import (images, disparity files, calibration values, the output folder) and stereo-info (pair folders).
        const string si = "eval stereo-import";
        const string both = "--left {d}/img.png --right {d}/img.png";
        const string cal = "--focal 20 --baseline-mm 100";
        foreach (var (args, code, says) in new[]
        {
            ($"--left {{d}}/missing.png --right {{d}}/img.png --disparity {{d}}/depth.npy {cal}", 1, "missing.png': file not found"),
            ($"--left {{d}}/img.png --right {{d}}/trunc.png --disparity {{d}}/depth.npy {cal}", 1, "trunc.png'"),
            ($"--left {{d}}/img.png --right {{d}}/wide.png --disparity {{d}}/depth.npy {cal}", 1, "wide.png': right image is 40x16, the left image"),
            ($"{both} --disparity {{d}}/depth-small.npy {cal}", 1, "depth-small.npy': disparity is 8x8, the images are 16x16"),
            ($"{both} --disparity {{d}}/stereo-trunc.pfm {cal}", 1, "stereo-trunc.pfm': truncated PFM data"),
            ($"{both} --disparity {{d}}/stereo-rgb.pfm {cal}", 1, "stereo-rgb.pfm': a three-channel PFM"),
            ($"{both} --disparity {{d}}/missing.pfm {cal}", 1, "missing.pfm': file not found"),
            ($"{both} --disparity {{d}}/img.png {cal}", 1, "img.png': a colour image; a disparity PNG is grey"),
            ($"{both} --disparity {{d}}/trunc.npy {cal}", 1, "trunc.npy': truncated"),
            ($"{both} --disparity {{d}}/text.npy {cal}", 1, "text.npy': not a NumPy"),
            ($"{both} --disparity {{d}}/a-file {cal}", 1, "a-file': a disparity file is a grey PNG"),
            ($"{both} --disparity {{d}}/depth-nan.npy {cal}", 1, "depth-nan.npy': no pixel has a known disparity"),
            ($"{both} --disparity {{d}}/depth.npy --doffs -5 {cal}", 1, "depth.npy': disparity 2 at (0, 0) with doffs -5 gives no positive depth (d + doffs must be > 0)"),
            ($"{both} --disparity {{d}}/depth.npy --focal 0 --baseline-mm 100", 2, "--focal must be positive, got 0"),
            ($"{both} --disparity {{d}}/depth.npy --focal 20 --baseline-mm NaN", 2, "--baseline-mm must be a finite number"),
            ($"{both} --disparity {{d}}/depth.npy --disparity-scale -1 {cal}", 2, "--disparity-scale must be positive, got -1"),
            ($"{both} --disparity {{d}}/depth.npy --doffs Infinity {cal}", 2, "--doffs must be a finite number"),
            ($"{both} --disparity {{d}}/depth.npy --cx NaN {cal}", 2, "--cx must be a finite number"),
        })
            Add($"{si} {args} --out {{o}}", code, says);
        Add($"{si} {both} {cal} --out {{o}}", 2, "--disparity");
        Add($"{si} {both} {cal} --disparity {{d}}/depth.npy --out {{d}}/stereo-ok", 1, "stereo-ok': folder exists and is not empty");
        Add($"{si} {both} {cal} --disparity {{d}}/depth.npy --out {{d}}/a-file", 1, "a-file': is a file");
        foreach (var (pair, says) in new[]
        {
            ("missing-dir", "missing-dir': folder not found"), ("a-file", "a-file': a file, not a stereo pair folder"),
            ("empty-dir", "im0.png': file not found"), ("stereo-nodisp", "disp0.pfm': file not found"),
            ("stereo-truncpfm", "disp0.pfm': truncated PFM data"), ("stereo-size", "im1.png': image is 8x16, calib.txt says 16x16"),
            ("stereo-nobaseline", "calib.txt': no 'baseline=' line"), ("stereo-notrect", "calib.txt': cam0 and cam1 differ in focal length or cy"),
            ("stereo-negf", "calib.txt': cam0 focal lengths -20, 20 must be positive"), ("stereo-width", "disp0.pfm': disparity is 16x16, calib.txt says 15x16"),
        })
        {
            Add($"eval stereo-info --pair {{d}}/{pair}", 1, says);
            Add($"eval stereo --pair {{d}}/{pair} --model {{d}}/one-step.safetensors --depth {{d}}/depth.npy", 1, says);
        }
        // eval stereo: its outputs, a model of the wrong kind, a depth of another size, its numeric option.
        const string es = "eval stereo --pair {d}/stereo-ok --model {d}/one-step.safetensors --depth {d}/depth.npy";
        Add($"{es} --csv {{o}}.txt", 1, ".csv");
        Add($"{es} --csv {{d}}/existing-dir", 1, "existing-dir");
        Add($"{es} --save-views {{d}}/a-file", 1, "a-file");
        Add("eval stereo --pair {d}/stereo-ok --model {d}/unet.safetensors --depth {d}/depth.npy", 1, "unet");
        Add("eval stereo --pair {d}/stereo-ok --model {d}/one-step.safetensors --depth {d}/depth-small.npy", 1, "depth-small.npy");
        Add($"{es} --perceptual-size 0", 2, "--perceptual-size");
        // eval warpback: a folder that is not a photo corpus, its numeric options, its output.
        const string ew = "eval warpback --photos {d}/missing-dir --model {d}/one-step.safetensors";
        Add(ew, 1, "missing-dir': no manifest.tsv");
        Add($"{ew} --max-disparity 2", 2, "--max-disparity must be 0.001 to 0.9 of the image width, got 2");
        Add($"{ew} --count 0", 2, "--count");
        Add($"{ew} --csv {{o}}.txt", 1, ".csv");
        Add($"{es} --depth {{d}}/depth.npy", 1, "two depth sources are named 'depth.npy'");
        Add($"{es} --model {{d}}/one-step.safetensors", 1, "two models are named 'one-step'");

        // Images (every verb that reads one).
        foreach (var (file, says) in new[] { ("huge.png", "megapixels"), ("trunc.png", "trunc.png"), ("empty.png", "empty"), ("text.png", "not a readable image"), ("missing.png", "not found"), ("zero.png", "zero.png"), ("tiny.png", "too small"), ("strip.png", "aspect ratio") })
        {
            if (file is "tiny.png" or "strip.png")
            {
                // Readable images of an unusable shape: refused where an image becomes a scene.
                Add($"warp --image {{d}}/{file} --depth builtin --target orbit:5,0,0 --out {{o}}", 1, says);
                Add($"nvs --model {{d}}/genwarp.safetensors --image {{d}}/{file} --target orbit:5,0,0 --out {{o}}.png", 1, says);
                Add($"depth --image {{d}}/{file} --out {{o}}", 1, says);
                continue;
            }
            Add($"warp --image {{d}}/{file} --depth {{d}}/depth.npy --target orbit:5,0,0 --out {{o}}", 1, says);
            Add($"nvs --model {{d}}/genwarp.safetensors --image {{d}}/{file} --depth {{d}}/depth.npy --target orbit:5,0,0 --out {{o}}.png", 1, says);
            Add($"depth --image {{d}}/{file} --model {{d}}/depth.npy --out {{o}}", 1, says);
            Add($"view --model {{d}}/one-step.safetensors --image {{d}}/{file} --depth {{d}}/depth.npy", 1, says);
            Add($"pagoda upscale --model {{d}}/gen.safetensors --teacher {{d}}/unet.safetensors --image {{d}}/{file} --out {{o}}.png", 1, says);
        }
        // Depth maps.
        foreach (var (file, says) in new[] { ("shape-abc.npy", "shape-abc.npy"), ("shape-neg.npy", "shape-neg.npy"), ("trunc.npy", "truncated"), ("int16.npy", "<i2"), ("text.npy", "not a NumPy"), ("missing.npy", "not found"), ("depth-nan.npy", "depth-nan.npy"), ("depth-small.npy", "depth-small.npy") })
        {
            Add($"warp --image {{d}}/img.png --depth {{d}}/{file} --target orbit:5,0,0 --out {{o}}", 1, says);
            Add($"orbit --model {{d}}/genwarp.safetensors --image {{d}}/img.png --depth {{d}}/{file} --frames 2 --out {{o}}.gif", 1, says);
        }
        // Cameras, as the source camera and as the target.
        foreach (var file in new[] { "cam-array.json", "cam-bad.json", "cam-noK.json", "cam-negf.json", "cam-rot.json", "cam-nan.json", "cam-text.json", "cam-missing.json" })
        {
            Add($"warp {img} --camera {{d}}/{file} --target orbit:5,0,0 --out {{o}}", 1, file);
            Add($"nvs {gw} --target {{d}}/{file} --out {{o}}.png", 1, file);
        }
        // Checkpoints, where each kind of verb reads one.
        foreach (var file in new[] { "ck-nometa", "ck-badjson", "ck-nokind", "ck-unknown", "ck-nodtype", "ck-40gb", "ck-lies", "ck-badconfig", "ck-trunc", "ck-text", "missing" })
        {
            // `checkpoint info` reads the header only: an unknown kind or a config that does not build is still printable.
            if (file is not ("ck-unknown" or "ck-badconfig")) Add($"checkpoint info --in {{d}}/{file}.safetensors", 1, file);
            Add($"diffusion sample --model {{d}}/{file}.safetensors --count 1 --out {{o}}", 1, file);
            Add($"nvs --model {{d}}/{file}.safetensors {img} --target orbit:5,0,0 --out {{o}}.png", 1, file);
            Add($"view --model {{d}}/{file}.safetensors {img}", 1, file);
        }
        // Models of the wrong kind.
        Add("diffusion sample --model {d}/genwarp.safetensors --count 1 --out {o}", 1, "genwarp");
        Add("pagoda sample --model {d}/unet.safetensors --count 1 --out {o}", 1, "unet");
        Add($"nvs --model {{d}}/unet.safetensors {img} --target orbit:5,0,0 --out {{o}}.png", 1, "unet");
        Add("genwarp pairs --teacher {d}/one-step.safetensors --count 1 --out {o}", 1, "genwarp-1step");
        Add("genwarp eval --model {d}/one-step.safetensors --baseline {d}/baseline.safetensors --pairs 2 --out {o}", 1, "genwarp-1step");
        Add("diffusion invert --model {d}/gen.safetensors --images {d}/existing-dir --out {o}.safetensors", 1, "pagoda-generator");
        // Numeric options out of range or not finite (usage errors).
        foreach (var (opt, value) in new[] { ("--steps", "0"), ("--guidance", "NaN"), ("--guidance", "-1"), ("--sigma-max", "0"), ("--sigma-max", "Infinity"), ("--max-step", "-5") })
            Add($"nvs {gw} --target orbit:5,0,0 {opt} {value} --out {{o}}.png", 2, opt);
        foreach (var (opt, value) in new[] { ("--frames", "0"), ("--delay", "-1"), ("--zoom", "0"), ("--yaw-range", "NaN"), ("--pitch", "Infinity") })
            Add($"orbit {gw} {opt} {value} --out {{o}}.gif", 2, opt);
        // Issue 32: nvs and orbit.
        // --max-size has view's range (8-8192), and a cap may not leave a side under 8 px (named with the photo's size and the cap).
        foreach (var (opt, value, says) in new[] { ("--max-size", "7", "--max-size must be 8 to 8192 pixels, got 7"), ("--max-size", "8193", "8192"), ("--zoom", "17", "--zoom must be 1 to 16, got 17"),
            ("--delay", "655351", "--delay must be 0 to 655350 ms (a GIF frame delay is a 16-bit count of centiseconds), got 655351") })
        {
            Add($"orbit {gw} {opt} {value} --out {{o}}.gif", 2, says);
            if (opt == "--max-size") Add($"nvs {gw} --target orbit:5,0,0 {opt} {value} --out {{o}}.png", 2, says);
        }
        // The composition's settings have one range each, for every verb that composes.
        foreach (var (opt, value, says) in new[] { ("--feather", "0.3", "--feather must be 0 to 0.25 of the long side, got 0.3"), ("--small-holes", "-1", "--small-holes must be 0 to 16 pixels, got -1"),
            ("--colour-match", "1.5", "--colour-match must be 0 to 1, got 1.5"), ("--colour-reach", "0", "--colour-reach must be 0.001 to 1 of the generated view's long side, got 0"),
            ("--poisson-detail", "1.5", "--poisson-detail must be a share 0 to 1 or off, got '1.5'"), ("--poisson-detail", "none", "--poisson-detail must be a share 0 to 1 or off, got 'none'"),
            ("--far-side", "near", "--far-side must be a depth margin 0 to 10 (e.g. 0.3) or off, got 'near'"), ("--far-side-reach", "2", "--far-side-reach must be 0.001 to 1 of the long side, got 2") })
        {
            Add($"nvs {gw} --target orbit:5,0,0 {opt} {value} --out {{o}}.png", 2, says);
            Add($"orbit {gw} {opt} {value} --out {{o}}.gif", 2, says);
            Add($"view --model {{d}}/one-step.safetensors {img} {opt} {value}", 2, says);
            Add($"eval stereo --pair {{d}}/stereo-ok --model {{d}}/one-step.safetensors {opt} {value}", 2, says);
        }
        // Colour matching adjusts the seam composition: given with a Poisson share, it is refused before any work.
        Add($"nvs {gw} --target orbit:5,0,0 --colour-match 0.5 --poisson-detail 0.3 --out {{o}}.png", 1, "colour matching is for the seam composition: turn the Poisson composition off to use it (--poisson-detail off)");
        const string wide = "--image {d}/wide.png --depth {d}/wide.npy --max-size 16";
        const string capped = "image of 40x16 pixels capped to --max-size 16 would be 16x6; both sides must be at least 8 pixels (use --max-size 19 or more)";
        Add($"nvs --model {{d}}/genwarp.safetensors {wide} --target orbit:5,0,0 --out {{o}}.png", 1, capped);
        Add($"nvs --model {{d}}/genwarp.safetensors {wide} --compose model --target orbit:5,0,0 --out {{o}}.png", 1, capped);
        Add($"orbit --model {{d}}/genwarp.safetensors {wide} --frames 2 --out {{o}}.gif", 1, capped);
        Add($"view --model {{d}}/one-step.safetensors {wide} --fill-size 8", 1, capped);
        // Every file nvs writes is checked before any work: here the generated view's place beside --out is a folder.
        Add($"nvs {gw} --target orbit:5,0,0 --out {{d}}/clash.png", 1, "clash-generated.png': is a folder");
        // Orbit frames are at most 16 megapixels: the size --zoom makes is named.
        Add("orbit --model {d}/genwarp.safetensors --image {d}/big.png --depth {d}/big.npy --frames 2 --zoom 16 --out {o}.gif", 1,
            "--zoom 16 makes 4160x4160 frames of the 260x260 view (16.5 megapixels); an orbit frame is at most 16 megapixels (use --zoom 15 or less)");
        foreach (var (opt, value) in new[] { ("--lr", "NaN"), ("--batch", "0"), ("--minutes", "-1"), ("--steps", "0"), ("--resolution", "-8"), ("--spp", "0"), ("--checkpoint-minutes", "0") })
            Add($"genwarp train --out {{o}} --steps 1 {opt} {value}", 2, opt);
        foreach (var (opt, value) in new[] { ("--count", "0"), ("--steps", "0"), ("--batch", "-2"), ("--sigma-max", "NaN") })
            Add($"diffusion sample --model {{d}}/unet.safetensors --out {{o}} {opt} {value}", 2, opt);
        foreach (var (opt, value) in new[] { ("--lr", "Infinity"), ("--feature-size", "0"), ("--batch", "0"), ("--adversarial-weight", "-1"), ("--checkpoint-every", "0") })
            Add($"genwarp distil --pairs {{d}}/empty-dir --out {{o}} --steps 1 {opt} {value}", 2, opt);
        foreach (var (opt, value) in new[] { ("--port", "70000"), ("--port", "-1"), ("--max-size", "0"), ("--fill-size", "-4") })
            Add($"view --model {{d}}/one-step.safetensors {img} {opt} {value}", 2, opt);
        Add($"view --model {{d}}/one-step.safetensors {img} --fill-size 2000 --max-size 1000", 1, "the fill views' size must be 8 to the photo's maximum size (1000) pixels, got 2000");
        Add($"view --model {{d}}/one-step.safetensors {img} --host example.org", 1, "host 'example.org'");
        Add($"view --model {{d}}/one-step.safetensors {img} --allow-host user@host", 1, "allowed host 'user@host'");
        Add($"view --model {{d}}/one-step.safetensors {img} --allow-host evil.example/path", 1, "allowed host 'evil.example/path'");
        Add($"view --model {{d}}/unet.safetensors {img}", 1, "unet");
        Add("warp --image {d}/img.png --depth {d}/depth.npy --target orbit:5,0,0 --alpha NaN --out {o}", 2, "--alpha");
        Add("scenes render --count 0 --out {o}", 2, "--count");
        Add("scenes preview --width 0 --out {o}.png", 2, "--width");
        Add("eval fd --real scenes:16:4:0 --fake scenes:16:4:1 --kid-subsets 0", 2, "--kid-subsets");
        Add("depth eval --model {d}/depth.npy --size 0", 2, "--size");
        Add("info --threads -1", 2, "--threads");
        // Camera targets that do not parse.
        foreach (var target in new[] { "orbit:5,0", "orbit:a,b,c", "move:1,2", "orbit:NaN,0,0", "spin:1,2,3" })
        {
            Add($"warp {img} --target {target} --out {{o}}", 1, "target camera");
            Add($"nvs {gw} --target {target} --out {{o}}.png", 1, "target camera");
        }
        // A target that sees nothing of the source: refused before any file is written.
        Add("warp --image {d}/img.png --depth {d}/depth.npy --target move:0,0,0,180,0 --out {o}", 1, "--target");
        // Output paths: a folder where a file goes, the wrong extension, a file where a folder goes, an unwritable place.
        Add($"nvs {gw} --target orbit:5,0,0 --out {{d}}/existing-dir", 1, "existing-dir");
        Add($"nvs {gw} --target orbit:5,0,0 --out {{o}}.jpg", 1, ".jpg");
        Add($"orbit {gw} --frames 2 --out {{o}}.avi", 1, ".avi");
        Add($"warp {img} --target orbit:5,0,0 --out {{d}}/a-file", 1, "a-file");
        Add($"warp {img} --target orbit:5,0,0 --out {{d}}/a-file/sub", 1, "a-file");
        Add("scenes preview --out {d}/existing-dir", 1, "existing-dir");
        Add("checkpoint export --in {d}/unet.safetensors --out {o}.pt", 1, ".pt");
        Add("checkpoint export --in {d}/unet.safetensors --out /proc/model.safetensors", 1, "/proc");
        Add("diffusion invert --model {d}/unet.safetensors --images {d}/existing-dir --out {o}.png", 1, ".png");
        Add("eval pairs --pred {d}/existing-dir --target {d}/existing-dir --csv {d}/existing-dir", 1, "existing-dir");
        // Missing folders and empty data.
        Add("pagoda train --stage base --pairs {d}/empty-dir --init {d}/unet.safetensors --out {o} --steps 1", 1, "empty-dir");
        Add("pagoda train --stage base --pairs {d}/empty-dir --init {d}/unet.safetensors --out {o} --steps 1 --distil-weight -1", 2, "--distil-weight");
        Add("pagoda train --stage base --pairs {d}/empty-dir --init {d}/unet.safetensors --out {o} --steps 1 --distil-batch 0", 2, "--distil-batch");
        Add("pagoda train --stage grow --pairs {d}/empty-dir --init {d}/gen.safetensors --out {o} --steps 1 --distil-weight 1", 1, "--teacher");
        Add("genwarp distil --teacher {d}/genwarp.safetensors --pairs {d}/empty-dir --out {o} --steps 1", 1, "empty-dir");
        Add("genwarp distil --teacher {d}/genwarp.safetensors --pairs {d}/missing-dir --out {o} --steps 1", 1, "missing-dir");
        Add("eval pairs --pred {d}/missing-dir --target {d}/existing-dir --csv {o}.csv", 1, "missing-dir");
        Add("diffusion train --data {d}/empty-dir --resolution 8 --config tiny --out {o} --steps 1", 1, "empty-dir");
        Add("genwarp train --out {o} --resume --steps 1", 1, "no run to resume");
        Add("pagoda pairs --teacher {d}/unet.safetensors --data scenes --count 4 --resolution 8 --shard 3/2 --out {o}", 1, "shard '3/2'");
        Add("genwarp pairs --teacher {d}/genwarp.safetensors --count 4 --shard x --out {o}", 1, "shard 'x'");
        Add("genwarp eval --model {d}/genwarp.safetensors --baseline {d}/baseline.safetensors --pairs 2 --shard 2/2 --out {o}", 1, "shard '2/2'");
        Add("genwarp eval --model {d}/genwarp.safetensors --baseline {d}/baseline.safetensors --pairs 2 --depth estimated --depth-model {d}/missing.safetensors --out {o}", 1, "no depth model (");
        Add("genwarp eval --model {d}/genwarp.safetensors --baseline {d}/baseline.safetensors --pairs 2 --depth both-and-more --out {o}", 2, "both-and-more");
        Add("genwarp eval-merge --out {d}/missing-dir", 1, "missing-dir");
        Add("genwarp eval-merge --out {d}/empty-dir", 1, "no shard files");
        // Usage errors from the parser itself.
        Add("nvs --model {d}/genwarp.safetensors", 2, "--target");
        Add("teleport --now", 2, "teleport");
        Add("diffusion sample --model {d}/unet.safetensors --count 1 --sampler bogus --out {o}", 2, "bogus");
        Add("orbit --frames many --out {o}.gif", 2, "many");
        // Issue 32: checkpoints, model folders, bind errors.
        foreach (var (file, says) in new[]
        {
            ("ck-dup", "tensor 'w' is stored twice"), ("ck-legacy-dup", "tensor 'net.convIn.bias' is stored twice"),
            ("ck-steps0", "the checkpoint header's sampling.steps must be at least 1, got 0"), ("ck-sigmamin0", "the checkpoint header's sampling.sigmaMin must be positive"),
            ("ck-sigmamax-neg", "the checkpoint header's sampling.sigmaMax must be finite and above sigmaMin"), ("ck-guidance-neg", "the checkpoint header's sampling.guidance must be finite and not negative"),
            ("ck-config-big", "the header's 'unet' config does not fit the stored weights"),
        })
        {
            // `checkpoint info` prints a config that does not build (see above), so it is not asked to build one here.
            if (file != "ck-config-big") Add($"checkpoint info --in {{d}}/{file}.safetensors", 1, $"{file}.safetensors': {says}");
            Add($"checkpoint export --in {{d}}/{file}.safetensors --out {{o}}.safetensors", 1, $"{file}.safetensors': {says}");
        }
        Add("diffusion sample --model {d}/ck-config-big.safetensors --count 1 --out {o}", 1, "ck-config-big.safetensors': the header's 'unet' config does not fit");
        Add("diffusion sample --model {d}/ck-steps0.safetensors --count 1 --out {o}", 1, "ck-steps0.safetensors': the checkpoint header's sampling.steps");
        Add("checkpoint info --in /dev/zero", 1, "'/dev/zero': empty, or not a regular file");
        Add("diffusion sample --model /dev/zero --count 1 --out {o}", 1, "'/dev/zero': empty, or not a regular file");
        Add($"nvs --model /dev/zero {img} --target orbit:5,0,0 --out {{o}}.png", 1, "'/dev/zero': empty, or not a regular file");
        Add("checkpoint info --in {d}/existing-dir", 1, "existing-dir': a folder, not a file");
        Add("diffusion sample --model {d}/existing-dir --count 1 --out {o}", 1, "existing-dir': a folder, not a model file");
        Add("checkpoint export --in {d}/unet-lossy.safetensors --fp16 --out {o}.safetensors", 1,
            "unet-lossy.safetensors': 1 value beyond fp16's range ±65504 (stored as infinite) and 1 NaN or infinite value in 1 tensor, first 'convIn.weight'; --allow-lossy");
        Add("checkpoint export --in {d}/unet-lossy.safetensors --out {o}.safetensors", 1, "unet-lossy.safetensors': 1 NaN or infinite value in 1 tensor, first 'convIn.weight'");
        Add("diffusion sample --models {d}/missing-dir --model {d}/unet.safetensors --count 1 --out {o}", 1, "missing-dir' (given by --models): folder not found");
        Add("diffusion sample --models {d}/a-file --model {d}/unet.safetensors --count 1 --out {o}", 1, "a-file' (given by --models): a file, not a folder of models");
        Add($"view --model {{d}}/one-step.safetensors {img} --host 192.0.2.1", 1, "cannot listen on 192.0.2.1:0 (");

        // Issue 29: models get (names, hashes, URLs, a different file in place), ONNX presets and options, phone depth maps.
        var aFileUrl = "--url file://{d}/a-file";
        const string aFileHash = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"; // SHA-256 of "x"
        Add("models get zoe-depth --out {o}", 1, "'zoe-depth': not a known model; known: depth-anything-v2-small");
        Add("models get depth-anything-v2-small --out {o}", 1, "no SHA-256 is pinned for this file; check its hash at https://huggingface.co/");
        Add("models get midas-v2.1-small --url file://{d}/missing.onnx --out {o}", 1, "missing.onnx': file not found");
        Add($"models get midas-v2.1-small {aFileUrl} --out {{o}}", 1, $"the download's SHA-256 is {aFileHash}, not the expected 2d8c6cb8");
        Add($"models get midas-v2.1-small {aFileUrl} --sha256 xyz --out {{o}}", 1, "--sha256: a SHA-256 is 64 hexadecimal digits, got 'xyz'");
        Add("models get midas-v2.1-small --url ftp://127.0.0.1/m.onnx --out {o}", 1, "only http, https and file URLs are fetched");
        Add("models get midas-v2.1-small --url http://127.0.0.1:1/m.onnx --out {o}", 1, "http://127.0.0.1:1/m.onnx': cannot download (");
        Add("models get midas-v2.1-small --url not-a-url --out {o}", 1, "'not-a-url': not an absolute URL");
        Add($"models get midas-v2.1-small {aFileUrl} --sha256 {aFileHash} --out {{d}}/models-taken", 1, "midas-v2.1-small.onnx': exists with SHA-256");
        Add($"models get midas-v2.1-small {aFileUrl} --sha256 {aFileHash} --out {{d}}/a-file", 1, "a-file");
        Add("models get", 2, "Required argument missing for command: 'get'");
        const string depthOut = "--image {d}/img.png --out {o}";
        Add($"depth {depthOut} --model onnx:{{d}}/missing.onnx", 1, "missing.onnx': ONNX model not found");
        Add($"depth {depthOut} --model onnx:{{d}}/a-file", 1, "a-file': ONNX Runtime cannot load it");
        Add($"depth {depthOut} --model onnx:depth-anything-v2-small", 1, "depth-anything-v2-small.onnx not found in --models, INSTANTVIEWS_MODELS or a models/ folder; fetch it with: instantviews models get depth-anything-v2-small");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-preset bogus", 2, "bogus");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-size 500x500", 1, "--onnx-size 500x500: the depth-anything-v2 preset needs multiples of 14");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-size big", 1, "--onnx-size: expected WxH, got 'big'");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-known 1,2", 1, "--onnx-known: expected 3 comma-separated numbers, got '1,2'");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-known 1.5,2,3", 1, "--onnx-known: pixel coordinates are whole numbers, got '1.5,2,3'");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-known 100,2,3", 1, "known depth at (100, 2) is outside the 16x16 image");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-known 1,2,-3", 1, "known depth at (1, 2) must be positive, got -3");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-known 1,2,3;1,2,4", 1, "known depths: the model output is the same at every known pixel");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-mean 1,2", 1, "--onnx-mean: expected 3 comma-separated numbers, got '1,2'");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-std 0,1,1", 1, "da.onnx': --onnx-mean needs 3 numbers and --onnx-std 3 positive numbers");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-output relative", 1, "--onnx-output must be metric or inverse, got 'relative'");
        Add($"depth {depthOut} --model onnx:{{d}}/da.onnx --onnx-scale-shift 1,NaN", 1, "--onnx-scale-shift: expected 2 comma-separated numbers, got '1,NaN'");
        Add($"depth {depthOut} --model embedded", 1, "img.png': no depth map embedded (no GDepth or Dynamic Depth XMP)");
        Add($"depth {depthOut} --model {{d}}/plain.jpg", 1, "plain.jpg': no depth map embedded");
        Add($"depth {depthOut} --model {{d}}/missing.jpg", 1, "missing.jpg': file not found");
        Add($"depth {depthOut} --model telepathy", 1, "depth 'telepathy': expected builtin, builtin:FILE.safetensors, onnx:FILE.onnx (each optionally prefixed raw: for bilinear upsampling), auto, embedded");
        Add("depth --image {d}/gdepth-bad.jpg --model auto --out {o}", 1, "gdepth-bad.jpg': GDepth:Data is not valid base64");
        Add("depth --image {d}/gdepth-trunc.jpg --model embedded --out {o}", 1, "gdepth-trunc.jpg': its GDepth depth map is unreadable: the extended XMP");
        Add("warp --image {d}/gdepth-trunc.jpg --depth auto --target orbit:5,0,0 --out {o}", 1, "is truncated: its chunks hold");
        Add("nvs --model {d}/genwarp.safetensors --image {d}/gdepth-bad.jpg --depth auto --target orbit:5,0,0 --out {o}.png", 1, "GDepth:Data is not valid base64");
        Add("warp --image {d}/img.png --depth onnx:{d}/da.onnx --onnx-preset midas-small --onnx-size 30x30 --target orbit:5,0,0 --out {o}", 1, "--onnx-size 30x30: the midas-small preset needs multiples of 32");
        Add("depth eval --model embedded", 1, "this command has no single photo");
        // lift: the image, its depth, the output folder, the model's kind, the size cap.
        const string lift = "lift --model {d}/one-step.safetensors";
        Add($"{lift} --image {{d}}/missing.png --depth {{d}}/depth.npy --out {{o}}", 1, "missing.png': file not found");
        Add($"{lift} --image {{d}}/tiny.png --depth builtin --out {{o}}", 1, "too small");
        Add($"{lift} --image {{d}}/img.png --depth {{d}}/depth-small.npy --out {{o}}", 1, "depth-small.npy");
        Add($"{lift} --image {{d}}/img.png --depth {{d}}/depth-nan.npy --out {{o}}", 1, "depth-nan.npy");
        Add($"{lift} {img} --out {{d}}/a-file", 1, "a-file': is a file");
        Add($"{lift} {img} --out {{d}}/a-file/scene", 1, "a-file");
        Add($"{lift} {img} --out {{d}}/stereo-ok", 1, "stereo-ok': folder exists, is not empty and holds no scene.json");
        Add($"lift --model {{d}}/genwarp.safetensors {img} --out {{o}}", 1, "lift generates with a one-step GenWarp");
        Add($"lift --model {{d}}/unet.safetensors {img} --out {{o}}", 1, "unet");
        Add($"{lift} {img} --max-size 7 --out {{o}}", 2, "--max-size must be 8 to 8192 pixels, got 7");
        Add($"{lift} {wide} --out {{o}}", 1, capped);
        Add($"{lift} {img}", 2, "--out");
        // render: the scene folder, the path, the frames, the output.
        Add("render --scene {d}/no-such-scene --out {o}.mp4", 1, "no-such-scene");
        Add("render --scene {d}/stereo-ok --out {o}.mp4", 1, "scene.json");
        Add("render --scene {d}/stereo-ok --path spiral --out {o}.mp4", 2, "spiral");
        Add("render --scene {d}/stereo-ok --frames 0 --out {o}.mp4", 2, "--frames must be positive, got 0");
        Add("render --scene {d}/stereo-ok --fps 0 --out {o}.mp4", 2, "--fps must be 1 to 240 frames per second, got 0");
        Add("render --scene {d}/stereo-ok --out {o}.avi", 1, ".avi");
        Add("render --scene {d}/stereo-ok --stereo -1 --out {o}.mp4", 2, "--stereo must be positive, got -1");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_gets_a_one_line_error_and_leaves_nothing(string args, int code, string names)
    {
        var outRoot = Path.Combine(files.D, "out-" + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(args)))[..12]);
        var argv = args.Replace("{o}", Path.Combine(outRoot, "result")).Replace("{d}", files.D)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Concat(["--threads", "1", "-q"]).ToArray();
        if (args.Contains("--threads", StringComparison.Ordinal)) argv = argv[..^3].Append("-q").ToArray();
        var before = Directory.EnumerateFileSystemEntries(files.D, "*", SearchOption.AllDirectories).ToHashSet();
        var r = CliRunner.Run(argv);
        Assert.True(r.Code == code, $"exit {r.Code}, expected {code}: {r.Err}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(names, r.Err);
        // One line (usage errors add the help hint), never a stack trace.
        Assert.True(lines.Length <= (code == 2 ? 2 : 1), r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.False(Directory.Exists(outRoot), $"{args}: left {outRoot}");
        var after = Directory.EnumerateFileSystemEntries(files.D, "*", SearchOption.AllDirectories).ToHashSet();
        Assert.Empty(after.Except(before));
    }

    [Fact]
    public void The_corpus_has_at_least_a_hundred_cases() => Assert.True(Cases().Count() >= 100, $"{Cases().Count()} cases");
}
