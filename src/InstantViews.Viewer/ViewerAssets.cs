using System.Collections.Frozen;

namespace InstantViews.Viewer;

/// <summary>
/// The page's files, embedded in this assembly (wwwroot/): a request names an asset and gets its bytes from this
/// fixed set, or nothing. No part of a request path ever reaches the file system.
/// </summary>
public static class ViewerAssets
{
    const string Prefix = "wwwroot/";

    static readonly FrozenDictionary<string, byte[]> Files = Load();

    static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(ViewerAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[name[Prefix.Length..]] = memory.ToArray();
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every asset name (e.g. "index.html", "vendor/three/three.module.min.js").</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>The asset called exactly <paramref name="name"/>, with its content type; false for any other name.</summary>
    public static bool TryGet(string name, out byte[] bytes, out string contentType)
    {
        contentType = ContentType(name);
        return Files.TryGetValue(name, out bytes!);
    }

    static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".png" => "image/png",
        _ => "text/plain; charset=utf-8",
    };
}
