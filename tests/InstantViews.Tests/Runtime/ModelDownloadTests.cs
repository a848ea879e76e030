using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using InstantViews.Depth;
using InstantViews.Runtime;

namespace InstantViews.Tests.Runtime;

/// <summary>`models get`'s download: file and loopback HTTP URLs, the SHA-256 check, atomic writes, nothing left on failure.</summary>
public class ModelDownloadTests
{
    static readonly byte[] Model = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
    static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData(Model));

    static string Source(TempDir dir)
    {
        File.WriteAllBytes(dir.File("source.onnx"), Model);
        return new Uri(dir.File("source.onnx")).AbsoluteUri;
    }

    [Fact]
    public void A_file_url_is_copied_when_its_hash_matches_and_not_again()
    {
        using var dir = new TempDir();
        var target = dir.File("models/sub/m.onnx");
        long seen = 0;
        Assert.False(ModelDownload.Fetch(Source(dir), target, Hash.ToUpperInvariant(), (done, total) => { seen = done; Assert.Equal(Model.Length, total); }));
        Assert.Equal(Model, File.ReadAllBytes(target));
        Assert.Equal(Model.Length, seen);
        var written = File.GetLastWriteTimeUtc(target);
        Assert.True(ModelDownload.Fetch(Source(dir), target, Hash)); // already there: nothing written
        Assert.Equal(written, File.GetLastWriteTimeUtc(target));
        Assert.Single(Directory.GetFiles(dir.File("models/sub"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_wrong_hash_keeps_nothing_not_even_the_folders_it_made()
    {
        using var dir = new TempDir();
        var wrong = new string('0', 64);
        var e = Assert.Throws<UserError>(() => ModelDownload.Fetch(Source(dir), dir.File("new/deeper/m.onnx"), wrong));
        Assert.Contains($"the download's SHA-256 is {Hash}, not the expected {wrong}; nothing was written", e.Message);
        Assert.False(Directory.Exists(dir.File("new")));
        Assert.Contains("64 hexadecimal digits", Assert.Throws<UserError>(() => ModelDownload.Fetch(Source(dir), dir.File("m.onnx"), "abc")).Message);
    }

    [Fact]
    public void A_different_file_already_there_is_never_replaced()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("m.onnx"), "someone else's model");
        var e = Assert.Throws<UserError>(() => ModelDownload.Fetch(Source(dir), dir.File("m.onnx"), Hash));
        Assert.Contains("m.onnx': exists with SHA-256", e.Message);
        Assert.Equal("someone else's model", File.ReadAllText(dir.File("m.onnx")));
    }

    [Fact]
    public void Loopback_http_downloads_and_its_failures_are_one_line_errors()
    {
        using var dir = new TempDir();
        using (var server = new LocalHttp(Model))
        {
            Assert.False(ModelDownload.Fetch(server.Url, dir.File("m.onnx"), Hash));
            Assert.Equal(Model, File.ReadAllBytes(dir.File("m.onnx")));
            var missing = Assert.Throws<UserError>(() => ModelDownload.Fetch(server.Base + "/other.onnx", dir.File("n.onnx"), Hash));
            Assert.Contains("/other.onnx': cannot download (HTTP 404 Not Found)", missing.Message);
        }
        using (var cut = new LocalHttp(Model, cutAfter: 1000))
        {
            var e = Assert.Throws<UserError>(() => ModelDownload.Fetch(cut.Url, dir.File("cut.onnx"), Hash));
            Assert.Contains("model.onnx': download interrupted after", e.Message);
            Assert.False(File.Exists(dir.File("cut.onnx")));
        }
        // A port nothing listens on: connection refused.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var refused = Assert.Throws<UserError>(() => ModelDownload.Fetch($"http://127.0.0.1:{port}/m.onnx", dir.File("r.onnx"), Hash));
        Assert.Contains("cannot download (", refused.Message);
        Assert.Contains("only http, https and file URLs", Assert.Throws<UserError>(() => ModelDownload.Fetch("ftp://127.0.0.1/m.onnx", dir.File("f.onnx"), Hash)).Message);
        Assert.Equal(["m.onnx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void The_registry_names_licences_and_pins_only_well_formed_hashes()
    {
        Assert.Equal("Apache-2.0", PublicDepthModels.Named("depth-anything-v2-small").Licence);
        Assert.Equal("MIT", PublicDepthModels.Named("midas-v2.1-small").Licence);
        Assert.StartsWith("CC-BY-NC-4.0", PublicDepthModels.Named("depth-anything-v2-base").Licence);
        foreach (var m in PublicDepthModels.All)
        {
            Assert.True(m.Sha256 is null || ModelDownload.CheckSha256(m.Sha256, m.Name) == m.Sha256, m.Name);
            Assert.EndsWith(".onnx", m.FileName);
        }
        Assert.Contains("not a known model; known: depth-anything-v2-small", Assert.Throws<UserError>(() => PublicDepthModels.Named("zoe")).Message);
    }
}
