using System.CommandLine;
using InstantViews.Depth;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>`instantviews models list|get`: the public ONNX depth models, and fetching one with its SHA-256 checked.</summary>
public static class ModelsCommand
{
    public static Command Build()
    {
        var cmd = new Command("models", "Public ONNX depth models: list them, or download one with its SHA-256 checked");
        cmd.Subcommands.Add(BuildList());
        cmd.Subcommands.Add(BuildGet());
        return cmd;
    }

    static Command BuildList()
    {
        var cmd = new Command("list", "The public depth models `models get` knows: name, licence, preset, URL and pinned SHA-256");
        Cli.SetAction(cmd, (p, ctx) =>
        {
            foreach (var m in PublicDepthModels.All)
            {
                Console.WriteLine($"{m.Name}: {m.Source}; licence {m.Licence}; preset {m.Preset.Name}");
                Console.WriteLine($"  {m.Url}");
                Console.WriteLine($"  sha256 {m.Sha256 ?? "not pinned: check the file's hash at its source and give it with --sha256"}");
            }
            return 0;
        });
        return cmd;
    }

    static Command BuildGet()
    {
        var name = new Argument<string>("name") { Description = $"The model: {string.Join(", ", PublicDepthModels.All.Select(m => m.Name))}" };
        var url = new Option<string?>("--url") { Description = "Download from this URL instead (http, https or file://), e.g. a copy on your own network" };
        var outDir = new Option<string?>("--out") { Description = "Folder to write NAME.onnx into (default: --models, INSTANTVIEWS_MODELS, or models/ in the working folder)" };
        var sha = new Option<string?>("--sha256") { Description = "The file's SHA-256 (64 hex digits): needed where none is pinned, and replaces a pinned one" };
        var cmd = new Command("get", "Download a public depth model, keep it only if its SHA-256 matches, write it atomically (never over a different file)") { name, url, outDir, sha };
        Cli.SetAction(cmd, (p, ctx) =>
        {
            var model = PublicDepthModels.Named(p.GetValue(name)!);
            var hash = p.GetValue(sha) is { } given ? ModelDownload.CheckSha256(given, "--sha256")
                : model.Sha256 ?? throw new UserError($"models get {model.Name}: no SHA-256 is pinned for this file; check its hash at {model.Url} and give it with --sha256");
            var dir = p.GetValue(outDir) ?? ModelFiles.Folder ?? (Environment.GetEnvironmentVariable("INSTANTVIEWS_MODELS") is { Length: > 0 } env ? env : "models");
            var path = OutputPaths.File(Path.Combine(dir, model.FileName), ".onnx");
            var source = p.GetValue(url) ?? model.Url;
            // The bar starts with the first bytes (a file already in place prints none).
            Progress? progress = null;
            var mb = 0L;
            bool already;
            try
            {
                already = ModelDownload.Fetch(source, path, hash, (done, total) =>
                {
                    progress ??= Progress.Start($"downloading {model.FileName}", total is { } t ? Math.Max(1, t >> 20) : 0, "MB");
                    if (done >> 20 > mb) progress.Advance((done >> 20) - mb);
                    mb = done >> 20;
                });
            }
            finally { progress?.Dispose(); }
            Console.WriteLine($"{(already ? "already there" : "wrote")} {path} (sha256 {hash[..16]}..., licence {model.Licence}); use it with --depth onnx:{path}");
            return 0;
        });
        return cmd;
    }
}
