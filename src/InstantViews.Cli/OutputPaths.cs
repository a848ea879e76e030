using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>
/// Checks an output path before any work, creating nothing: a file output must not be a folder, must have the
/// extension of the format written, and its folder (or the nearest existing ancestor) must be a writable folder;
/// a folder output must not be a file and must be creatable and writable.
/// </summary>
public static class OutputPaths
{
    /// <summary>Checks a file output; <paramref name="extensions"/> (".png", ...) are the formats the verb writes.</summary>
    public static string File(string path, params string[] extensions)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserError("--out is empty");
        if (Directory.Exists(path)) throw new UserError($"'{path}': is a folder; a {string.Join(" or ", extensions)} file is expected");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (extensions.Length > 0 && !extensions.Contains(ext))
            throw new UserError($"'{path}': the output is written as {string.Join(" or ", extensions)}; name the file with that extension");
        WritableAncestor(Path.GetDirectoryName(Path.GetFullPath(path))!, path);
        return path;
    }

    /// <summary>Checks a folder output (it may exist already).</summary>
    public static string Folder(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UserError("--out is empty");
        if (System.IO.File.Exists(path)) throw new UserError($"'{path}': is a file; an output folder is expected");
        WritableAncestor(Path.GetFullPath(path), path);
        return path;
    }

    // The nearest existing ancestor of `dir` must be a folder we can write in (nothing is created).
    static void WritableAncestor(string dir, string shown)
    {
        var d = new DirectoryInfo(dir);
        while (!d.Exists)
        {
            if (System.IO.File.Exists(d.FullName)) throw new UserError($"'{shown}': '{d.FullName}' is a file, not a folder: output is not writable");
            d = d.Parent ?? throw new UserError($"'{shown}': no existing folder above it");
        }
        var probe = Path.Combine(d.FullName, $".instantviews-write-test-{Environment.ProcessId}");
        try
        {
            using (System.IO.File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"'{shown}': output folder '{d.FullName}' is not writable ({e.Message})");
        }
    }
}
