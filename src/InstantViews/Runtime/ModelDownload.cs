using System.Security.Cryptography;
using InstantViews.Imaging;

namespace InstantViews.Runtime;

/// <summary>
/// Downloads a model file (http, https or file URL) and keeps it only when its SHA-256 is the expected one: the bytes
/// go to a temporary file beside the target, hashed as they arrive, and are moved into place when they match. A
/// different file already at the target is never replaced; the same one is not downloaded again.
/// </summary>
public static class ModelDownload
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>"a1b2..." (64 hex digits, lower case) or a one-line error naming <paramref name="what"/>.</summary>
    public static string CheckSha256(string hex, string what)
    {
        var h = hex.Trim().ToLowerInvariant();
        if (h.Length != 64 || !h.All(char.IsAsciiHexDigit)) throw new UserError($"{what}: a SHA-256 is 64 hexadecimal digits, got '{hex}'");
        return h;
    }

    public static string Sha256Of(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>Fetches <paramref name="url"/> to <paramref name="path"/>; true when the file was already there with that hash.</summary>
    public static bool Fetch(string url, string path, string sha256, Action<long, long?>? progress = null)
    {
        var expected = CheckSha256(sha256, "--sha256");
        if (Directory.Exists(path)) throw new UserError($"'{path}': is a folder");
        if (File.Exists(path))
        {
            var existing = Sha256Of(path);
            if (existing == expected) return true;
            throw new UserError($"'{path}': exists with SHA-256 {existing}, not the expected {expected}; move it away or choose another --out");
        }
        // Folders this call creates go again if it fails: a failed download leaves nothing behind.
        var created = new List<string>();
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)) created.Add(dir);
        var (full, temporary) = AtomicFile.Prepare(path);
        try
        {
            string actual;
            using (var source = Open(url, out var length))
            using (var target = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                long done = 0;
                int n;
                try
                {
                    while ((n = source.Read(buffer)) > 0)
                    {
                        target.Write(buffer, 0, n);
                        hash.AppendData(buffer, 0, n);
                        progress?.Invoke(done += n, length);
                    }
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new UserError($"'{url}': download interrupted after {done} bytes ({e.Message.Split('\n')[0]})");
                }
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            if (actual != expected) throw new UserError($"'{url}': the download's SHA-256 is {actual}, not the expected {expected}; nothing was written");
            File.Move(temporary, full, overwrite: false);
            return false;
        }
        catch
        {
            if (File.Exists(temporary)) File.Delete(temporary);
            foreach (var dir in created) if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            throw;
        }
    }

    static Stream Open(string url, out long? length)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw new UserError($"'{url}': not an absolute URL (http, https or file)");
        if (uri.IsFile)
        {
            if (!File.Exists(uri.LocalPath)) throw new UserError($"'{url}': file not found");
            var file = File.OpenRead(uri.LocalPath);
            length = file.Length;
            return file;
        }
        if (uri.Scheme is not ("http" or "https")) throw new UserError($"'{url}': only http, https and file URLs are fetched");
        HttpResponseMessage response;
        try { response = Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult(); }
        catch (HttpRequestException e) { throw new UserError($"'{url}': cannot download ({e.Message.Split('\n')[0]})"); }
        catch (TaskCanceledException) { throw new UserError($"'{url}': cannot download (timed out)"); }
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new UserError($"'{url}': cannot download (HTTP {(int)response.StatusCode} {response.ReasonPhrase})");
        }
        length = response.Content.Headers.ContentLength;
        return response.Content.ReadAsStream();
    }
}
