using InstantViews.Geometry;
using InstantViews.Lifting;
using InstantViews.Scenes;
using Xunit.Abstractions;

namespace InstantViews.Tests.Lifting;

public class LayerMeshTests(ITestOutputHelper output)
{
    [Fact]
    public void No_triangle_spans_the_edge_between_two_planes_and_vertices_sit_at_their_depths()
    {
        TestTorch.Init();
        var (_, depth, cam) = LiftFixtures.TwoPlanes(48, 32, 24, 2, 4);
        var d = depth.data<float>().ToArray();
        var mesh = LayerMesh.Build(d, Enumerable.Repeat(1f, d.Length).ToArray(), cam);
        // Closed form: every cell but the column of cells across the edge keeps both triangles.
        Assert.Equal(2 * (32 - 1) * (48 - 2), mesh.TriangleCount);
        Assert.Equal(48 * 32, mesh.VertexCount);
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            var z = Enumerable.Range(0, 3).Select(k => mesh.Positions[3 * mesh.Indices[3 * t + k] + 2]).ToArray();
            Assert.True(z.Max() == z.Min(), $"triangle {t} spans depths {string.Join(", ", z)}");
        }
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            float u = mesh.Pixels[2 * i], v = mesh.Pixels[2 * i + 1];
            var di = d[(int)v * 48 + (int)u];
            Assert.Equal((u - cam.Cx) / cam.Fx * di, mesh.Positions[3 * i], 5);
            Assert.Equal((v - cam.Cy) / cam.Fy * di, mesh.Positions[3 * i + 1], 5);
            Assert.Equal(di, mesh.Positions[3 * i + 2]);
        }
        // Decimated, the cut stays: one vertex per 2x2 pixels, no triangle joins the planes.
        var coarse = LayerMesh.Build(d, Enumerable.Repeat(1f, d.Length).ToArray(), cam, 2);
        Assert.Equal(24 * 16 + 16 + 24 + 1, coarse.VertexCount);
        for (int t = 0; t < coarse.TriangleCount; t++)
        {
            var z = Enumerable.Range(0, 3).Select(k => coarse.Positions[3 * coarse.Indices[3 * t + k] + 2]).ToArray();
            Assert.True(z.Max() == z.Min());
        }
    }

    [Fact]
    public void A_cell_with_one_odd_corner_keeps_the_triangle_that_avoids_it()
    {
        // A 2x2 grid whose bottom-right pixel is far: the split along tr-bl keeps (tl, bl, tr).
        var cam = Camera.FromFov(2, 2, 60);
        var mesh = LayerMesh.Build([2, 2, 2, 8], [1, 1, 1, 1], cam);
        Assert.Equal(1, mesh.TriangleCount);
        Assert.DoesNotContain(mesh.Indices, i => mesh.Positions[3 * i + 2] == 8);
        // Invalid pixels take no part either.
        Assert.Equal(0, LayerMesh.Build([2, 2, 2, 2], [1, 1, 0, 0], cam).TriangleCount);
    }

    [Fact]
    public void A_floor_at_grazing_angles_stays_whole_out_to_a_hundred_metres()
    {
        // A 1024x683 photo at 60 degrees, 1.5 m above a floor: depth d = fy h / (v - cy) on rows below the horizon.
        var cam = Camera.FromFov(1024, 683, 60);
        var d = new float[1024 * 683];
        var valid = new float[d.Length];
        for (int y = 0; y < 683; y++)
        {
            var depth = cam.Fy * 1.5 / (y + 0.5 - cam.Cy);
            if (depth is <= 0 or > 100) continue;
            for (int x = 0; x < 1024; x++) (d[y * 1024 + x], valid[y * 1024 + x]) = ((float)depth, 1);
        }
        var rows = Enumerable.Range(0, 683).Count(y => valid[y * 1024] > 0);
        var mesh = LayerMesh.Build(d, valid, cam);
        Assert.Equal(2 * (rows - 1) * 1023, mesh.TriangleCount);
        // At a threshold a third as large, the far floor tears: the default is not far above what a floor needs.
        Assert.True(LayerMesh.Build(d, valid, cam, 1, LayerMesh.DefaultThreshold / 3).TriangleCount < mesh.TriangleCount);
    }

    /// <summary>
    /// Why t = 0.1: on procedural scenes with exact depth, each horizontal neighbour pair is classed by the depth of the
    /// ray between them (rendered): continuous when it lies on the surface through both (inverse depth halfway), a step
    /// when it equals one side's depth. The default must cut almost no continuous pair and almost every step of more
    /// than 25% (the ones a stretched triangle makes visible); smaller thresholds tear surfaces, larger ones miss steps
    /// (0.2 keeps every 10-25% step joined: a 30 cm gap at 2 m stretched into a curtain). The printed table is in docs/3d-photos.md.
    /// </summary>
    [Fact]
    public void The_default_threshold_cuts_steps_and_keeps_continuous_surfaces_on_procedural_scenes()
    {
        const int w = 128, h = 96;
        var pairs = new List<(float A, float B, bool Step)>();
        for (long k = 0; k < 6; k++)
        {
            var scene = SceneGenerator.Generate(SceneStream.EvalSeedStart + k);
            var cam = CameraPaths.RandomPose(scene, Camera.FromFov(w, h, CameraTargets.DefaultFovXDegrees), new SceneRandom(scene.Seed, 1000));
            var depth = Renderer.RenderDepth(scene, cam);
            // The same camera with its principal point half a pixel left: its pixel x is the original's x + 1/2 (between x and x + 1).
            var between = Renderer.RenderDepth(scene, cam with { Cx = cam.Cx - 0.5 });
            for (int y = 0; y < h; y++)
                for (int x = 0; x + 1 < w; x++)
                {
                    float a = depth[y * w + x], b = depth[y * w + x + 1], m = between[y * w + x];
                    if (!float.IsFinite(a) || !float.IsFinite(b) || !float.IsFinite(m)) continue;
                    var halfway = 2 / (1 / a + 1 / b);
                    if (Math.Abs(1 / m - 1 / halfway) <= 0.1 * Math.Abs(1 / a - 1 / b) + 1e-4 / halfway) pairs.Add((a, b, false));
                    else if (Math.Abs(m - a) < 0.02 * a || Math.Abs(m - b) < 0.02 * b) pairs.Add((a, b, true));
                }
        }
        var continuous = pairs.Where(p => !p.Step).ToList();
        var steps = pairs.Where(p => p.Step && Math.Abs(p.A - p.B) > 0.25 * Math.Min(p.A, p.B)).ToList();
        var smaller = pairs.Where(p => p.Step && Math.Abs(p.A - p.B) is var g && g > 0.1 * Math.Min(p.A, p.B) && g <= 0.25 * Math.Min(p.A, p.B)).ToList();
        (double Torn, double Missed) Rates(double t) => (
            continuous.Count(p => LayerMesh.Discontinuous(p.A, p.B, t)) / (double)continuous.Count,
            steps.Count(p => !LayerMesh.Discontinuous(p.A, p.B, t)) / (double)steps.Count);
        output.WriteLine($"{continuous.Count} continuous pairs, {steps.Count} steps over 25%, {smaller.Count} steps of 10-25%");
        foreach (var t in new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.3 })
        {
            var (torn, missed) = Rates(t);
            var smallMissed = smaller.Count(p => !LayerMesh.Discontinuous(p.A, p.B, t)) / (double)Math.Max(1, smaller.Count);
            output.WriteLine($"| {t} | {100 * torn:0.000}% | {100 * missed:0.0}% | {100 * smallMissed:0.0}% |");
        }
        Assert.True(continuous.Count > 10_000 && steps.Count > 100, $"{continuous.Count} continuous, {steps.Count} steps");
        var (tornAt, missedAt) = Rates(LayerMesh.DefaultThreshold);
        Assert.True(tornAt < 0.001, $"t = {LayerMesh.DefaultThreshold} cuts {100 * tornAt:0.000}% of continuous pairs");
        Assert.True(missedAt == 0, $"t = {LayerMesh.DefaultThreshold} keeps {100 * missedAt:0.000}% of steps over 25%");
        Assert.True(Rates(0.01).Torn > 10 * tornAt + 0.001, "a tenth of the threshold should tear visibly more");
        // Twice the threshold keeps many 10-25% steps joined; the default cuts them all.
        Assert.True(smaller.Count > 50 && smaller.All(p => LayerMesh.Discontinuous(p.A, p.B, LayerMesh.DefaultThreshold)));
        Assert.True(smaller.Count(p => !LayerMesh.Discontinuous(p.A, p.B, 2 * LayerMesh.DefaultThreshold)) > smaller.Count / 3);
    }
}
