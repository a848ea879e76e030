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
    /// Why t = 0.1 (<see cref="DepthEdgeSweep"/>, on validation scenes): the default must cut almost no continuous pair
    /// and every step of more than 25% (the ones a stretched triangle makes visible); smaller thresholds tear surfaces,
    /// larger ones miss steps (0.2 keeps many 10-25% steps joined: a 30 cm gap at 2 m stretched into a curtain). The
    /// table in docs/3d-photos.md is `bench depth-edges` on more scenes.
    /// </summary>
    [Fact]
    public void The_default_threshold_cuts_steps_and_keeps_continuous_surfaces_on_procedural_scenes()
    {
        var pairs = DepthEdgeSweep.Classify(Enumerable.Range(0, 6).Select(k => SceneStream.ValidationSeedStart + k));
        output.WriteLine($"{pairs.Continuous.Count} continuous pairs, {pairs.Steps.Count} steps over 25%, {pairs.SmallSteps.Count} steps of 10-25%");
        Assert.True(pairs.Continuous.Count > 10_000 && pairs.Steps.Count > 100 && pairs.SmallSteps.Count > 50, $"{pairs.Continuous.Count} continuous, {pairs.Steps.Count} steps, {pairs.SmallSteps.Count} small steps");
        var at = DepthEdgeSweep.At(pairs, LayerMesh.DefaultThreshold);
        Assert.True(at.ContinuousCut < 0.001, $"t = {LayerMesh.DefaultThreshold} cuts {100 * at.ContinuousCut:0.000}% of continuous pairs");
        Assert.True(at.StepsJoined == 0 && at.SmallStepsJoined == 0, $"t = {LayerMesh.DefaultThreshold} keeps {100 * at.StepsJoined:0.000}% of steps over 25%, {100 * at.SmallStepsJoined:0.000}% of 10-25%");
        Assert.True(DepthEdgeSweep.At(pairs, 0.01).ContinuousCut > 10 * at.ContinuousCut + 0.001, "a tenth of the threshold should tear visibly more");
        // Twice the threshold keeps many 10-25% steps joined.
        Assert.True(DepthEdgeSweep.At(pairs, 2 * LayerMesh.DefaultThreshold).SmallStepsJoined > 1 / 3.0);
        // The rates are the shares of each class, by hand for one threshold.
        var t = 0.05;
        Assert.Equal(pairs.Continuous.Count(p => Math.Abs(p.A - p.B) > t * Math.Min(p.A, p.B)) / (double)pairs.Continuous.Count, DepthEdgeSweep.At(pairs, t).ContinuousCut, 12);
        var csv = DepthEdgeSweep.Csv(pairs, [0.05, LayerMesh.DefaultThreshold]).Split('\n');
        Assert.Equal("threshold,continuous,steps,small_steps,continuous_cut,steps_joined,small_steps_joined,default", csv[0]);
        Assert.StartsWith($"0.05,{pairs.Continuous.Count},{pairs.Steps.Count},{pairs.SmallSteps.Count},", csv[1]);
        Assert.EndsWith(",false", csv[1]);
        Assert.StartsWith("0.1,", csv[2]);
        Assert.EndsWith(",0,0,true", csv[2]);
    }
}
