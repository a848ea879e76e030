using System.Globalization;
using System.Text;
using InstantViews.Geometry;
using InstantViews.Scenes;

namespace InstantViews.Lifting;

/// <summary>
/// The measurement behind <see cref="LayerMesh.DefaultThreshold"/>: every horizontal neighbour pair of rendered
/// procedural views (exact depth) is classed by the depth rendered on the ray between them: continuous when it lies on
/// the surface through both (inverse depth halfway, within a tenth of the pair's difference), a step when it equals one
/// side's depth (within 2 %). For a threshold t, <see cref="LayerMesh.Discontinuous"/> should cut almost no continuous
/// pair (a torn surface) and almost every step (a stretched triangle).
/// </summary>
public static class DepthEdgeSweep
{
    /// <summary>The classed pairs: continuous ones, steps of more than 25 % and steps of 10-25 % (depths a, b).</summary>
    public sealed record Pairs(List<(float A, float B)> Continuous, List<(float A, float B)> Steps, List<(float A, float B)> SmallSteps);

    /// <summary>One threshold's rates: the share of continuous pairs cut, of steps over 25 % and of 10-25 % steps joined.</summary>
    public sealed record Rates(double Threshold, double ContinuousCut, double StepsJoined, double SmallStepsJoined);

    /// <summary>
    /// The pairs of one random view (<see cref="CameraPaths.RandomPose"/>, field of view <see cref="CameraTargets.DefaultFovXDegrees"/>)
    /// of each scene seed, at <paramref name="width"/> x <paramref name="height"/>.
    /// </summary>
    public static Pairs Classify(IEnumerable<long> sceneSeeds, int width = 128, int height = 96)
    {
        var (continuous, steps, small) = (new List<(float, float)>(), new List<(float, float)>(), new List<(float, float)>());
        foreach (var seed in sceneSeeds)
        {
            var scene = SceneGenerator.Generate(seed);
            var cam = CameraPaths.RandomPose(scene, Camera.FromFov(width, height, CameraTargets.DefaultFovXDegrees), new SceneRandom(scene.Seed, 1000));
            var depth = Renderer.RenderDepth(scene, cam);
            // The same camera with its principal point half a pixel left: its pixel x is the original's x + 1/2 (between x and x + 1).
            var between = Renderer.RenderDepth(scene, cam with { Cx = cam.Cx - 0.5 });
            for (int y = 0; y < height; y++)
                for (int x = 0; x + 1 < width; x++)
                {
                    float a = depth[y * width + x], b = depth[y * width + x + 1], m = between[y * width + x];
                    if (!float.IsFinite(a) || !float.IsFinite(b) || !float.IsFinite(m)) continue;
                    var halfway = 2 / (1 / a + 1 / b);
                    if (Math.Abs(1 / m - 1 / halfway) <= 0.1 * Math.Abs(1 / a - 1 / b) + 1e-4 / halfway) continuous.Add((a, b));
                    else if (Math.Abs(m - a) < 0.02 * a || Math.Abs(m - b) < 0.02 * b)
                    {
                        var gap = Math.Abs(a - b);
                        if (gap > 0.25 * Math.Min(a, b)) steps.Add((a, b));
                        else if (gap > 0.1 * Math.Min(a, b)) small.Add((a, b));
                    }
                }
        }
        return new(continuous, steps, small);
    }

    /// <summary>The rates of threshold <paramref name="t"/> on <paramref name="pairs"/>.</summary>
    public static Rates At(Pairs pairs, double t)
    {
        static double Share(List<(float A, float B)> list, Func<(float A, float B), bool> f) => list.Count == 0 ? double.NaN : list.Count(f) / (double)list.Count;
        return new(t, Share(pairs.Continuous, p => LayerMesh.Discontinuous(p.A, p.B, t)),
            Share(pairs.Steps, p => !LayerMesh.Discontinuous(p.A, p.B, t)), Share(pairs.SmallSteps, p => !LayerMesh.Discontinuous(p.A, p.B, t)));
    }

    /// <summary>The sweep as CSV (threshold, the three counts, the three rates, whether it is the default).</summary>
    public static string Csv(Pairs pairs, IEnumerable<double> thresholds)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("threshold,continuous,steps,small_steps,continuous_cut,steps_joined,small_steps_joined,default\n");
        foreach (var t in thresholds)
        {
            var r = At(pairs, t);
            sb.AppendLine(string.Create(inv, $"{t},{pairs.Continuous.Count},{pairs.Steps.Count},{pairs.SmallSteps.Count},{r.ContinuousCut:0.######},{r.StepsJoined:0.######},{r.SmallStepsJoined:0.######},{(t == LayerMesh.DefaultThreshold ? "true" : "false")}"));
        }
        return sb.ToString();
    }
}
