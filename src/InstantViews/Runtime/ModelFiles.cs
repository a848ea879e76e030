namespace InstantViews.Runtime;

/// <summary>
/// Where shipped models are found, in this order: an explicit path (a file that exists); the folder given by
/// <c>--models DIR</c> or the <c>INSTANTVIEWS_MODELS</c> variable; <c>models/</c> next to the program (an installed
/// tool carries them there); <c>models/</c> in a folder above the program (a build inside the clone); <c>models/</c> in
/// the working folder or a folder above it. A bare name ("genwarp" or "genwarp.safetensors") is looked up the same way.
/// </summary>
public static class ModelFiles
{
    /// <summary>The folder of <c>--models</c> (null: not given).</summary>
    public static string? Folder { get; set; }

    /// <summary>The folders searched for <c>models/NAME</c>, in order (a missing --models or INSTANTVIEWS_MODELS folder is an error).</summary>
    public static IEnumerable<string> SearchFolders()
    {
        if (Folder is { } f) yield return CheckFolder(f, "--models");
        if (Environment.GetEnvironmentVariable("INSTANTVIEWS_MODELS") is { Length: > 0 } env) yield return CheckFolder(env, "INSTANTVIEWS_MODELS");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent) yield return Path.Combine(dir.FullName, "models");
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent) yield return Path.Combine(dir.FullName, "models");
    }

    /// <summary>
    /// <paramref name="path"/> when it is a folder; otherwise an error naming it and <paramref name="source"/> (--models or
    /// INSTANTVIEWS_MODELS): a mistyped folder would otherwise fall back silently to the shipped models.
    /// </summary>
    public static string CheckFolder(string path, string source) =>
        Directory.Exists(path) ? path
        : throw new UserError(File.Exists(path)
            ? $"'{path}' (given by {source}): a file, not a folder of models"
            : $"'{path}' (given by {source}): folder not found");

    /// <summary>The first <paramref name="fileName"/> in <see cref="SearchFolders"/>, or null.</summary>
    public static string? Find(string fileName) =>
        SearchFolders().Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);

    /// <summary>
    /// A model argument as a file: the path itself when it exists; a bare name looked up in the search folders (with
    /// ".safetensors" added when it has no extension); otherwise a one-line error naming what was tried.
    /// </summary>
    public static string Resolve(string pathOrName)
    {
        if (File.Exists(pathOrName)) return pathOrName;
        if (!pathOrName.Contains('/') && !pathOrName.Contains('\\'))
        {
            var name = Path.HasExtension(pathOrName) ? pathOrName : pathOrName + ".safetensors";
            if (Find(name) is { } found) return found;
            throw new UserError($"'{pathOrName}': model file not found, here or as {name} in --models, INSTANTVIEWS_MODELS, the program's models/ or a models/ folder above the working folder");
        }
        throw new UserError(Directory.Exists(pathOrName) ? $"'{pathOrName}': a folder, not a model file" : $"'{pathOrName}': file not found");
    }
}
