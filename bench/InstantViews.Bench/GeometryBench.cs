using System.Text.Json.Nodes;
using InstantViews.Depth;
using InstantViews.GenWarp;
using InstantViews.Runtime;
using InstantViews.Scenes;

namespace InstantViews.Bench;

/// <summary>
/// Does a GenWarp model use the geometry? On evaluation pairs (mid and long range, estimated source depth), prints per
/// noise level the denoiser's RMS error and how far its output moves when the warped coordinates are replaced by the
/// unwarped grid, or by the ground-truth-depth warp (<see cref="CoordinateSensitivity"/>).
/// </summary>
static class GeometryBench
{
    public static void Run(string modelPath, int pairCount, string? jsonPath)
    {
        var (model, _) = Checkpoint.Load<GenWarpModel>(modelPath);
        model.eval();
        var res = model.NetConfig.Resolution;
        var depthPath = BuiltinDepth.FindShipped() ?? throw new FileNotFoundException($"models/{BuiltinDepth.ShippedFile} not found");
        var config = new SceneStreamConfig(res, res, 2, SceneSplit.Eval, 0, MinCovisibility: 0.2, MaxCovisibility: 0.8);
        using var estimated = new ScenePairs(config, BuiltinDepth.Load(depthPath));
        using var truth = new ScenePairs(config);
        var pairs = estimated.Render(0, pairCount);
        var batch = estimated.Batch(pairs);
        var gtEmbedding = truth.Batch(pairs).TargetEmbedding;
        var sigmas = new[] { 0.1, 0.3, 1.0, 3.0, 10.0 };
        var rows = CoordinateSensitivity.Measure(model, batch, gtEmbedding, sigmas);
        Console.WriteLine($"geometry: {modelPath}, {pairCount} evaluation pairs (covisibility 0.2-0.8), estimated source depth");
        Console.WriteLine("   sigma   error(rms)   change: unwarped grid   change: true-depth warp   (unwarped / error)");
        var json = new JsonObject { ["benchmark"] = "geometry", ["model"] = Path.GetFileName(modelPath), ["pairs"] = pairCount, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        var table = new JsonArray();
        foreach (var r in rows)
        {
            Console.WriteLine($"  {r.Sigma,6:0.0}   {r.DenoiserError,10:0.0000}   {r.IdentityChange,21:0.0000}   {r.GroundTruthChange,23:0.0000}   {r.IdentityChange / r.DenoiserError,8:0.000}");
            table.Add(new JsonObject { ["sigma"] = r.Sigma, ["error"] = Math.Round(r.DenoiserError, 5), ["unwarped_change"] = Math.Round(r.IdentityChange, 5), ["true_depth_change"] = Math.Round(r.GroundTruthChange, 5) });
        }
        json["rows"] = table;
        if (jsonPath is null) return;
        BenchJson.Write(jsonPath, json);
        Console.WriteLine($"wrote {jsonPath}");
    }
}
