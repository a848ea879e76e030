using System.Diagnostics;
using System.Text.Json.Nodes;
using InstantViews.Lifting;
using SharpGLTF.Schema2;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

/// <summary>A [Fact] that is skipped, saying why, when Node is not on the PATH.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public static string? NodePath { get; } = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator)
        .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);

    public NodeFactAttribute()
    {
        if (NodePath is null) Skip = "node is not on the PATH: the Khronos glTF validator (JavaScript) cannot run";
    }
}

public class GlbExportTests(ITestOutputHelper output)
{
    static LayeredScene Lifted()
    {
        TestTorch.Init();
        var (rgb, depth, cam) = LiftFixtures.TwoPlanes();
        return new PhotoLifter(null).Lift(rgb, depth, cam, "test", "exact").Scene;
    }

    [Fact]
    public void The_glb_reads_back_with_a_node_per_layer_vertices_at_their_depths_and_textures()
    {
        using var scene = Lifted();
        var (bytes, step) = GlbExport.Encode(scene, step: 1);
        Assert.Equal(1, step);
        var model = ModelRoot.ParseGLB(bytes);
        Assert.Equal(scene.Layers.Count, model.LogicalNodes.Count);
        Assert.Equal(scene.Layers.Count, model.DefaultScene.VisualChildren.Count());
        var cam = scene.Camera;
        for (int l = 0; l < scene.Layers.Count; l++)
        {
            var node = model.LogicalNodes[l];
            var prim = node.Mesh.Primitives.Single();
            var positions = prim.GetVertexAccessor("POSITION").AsVector3Array();
            var uvs = prim.GetVertexAccessor("TEXCOORD_0").AsVector2Array();
            var depth = scene.Layers[l].Depth.data<float>().ToArray();
            Assert.Equal(LayerMesh.Build(scene.Layers[l], cam).VertexCount, positions.Count);
            for (int i = 0; i < positions.Count; i++)
            {
                // Documented transform: glTF (X, Y, Z) = OpenCV (x, -y, -z); texture (u / W, v / H) of the pixel centre
                // (16-bit, so the centre is recovered by rounding).
                float u = MathF.Round(uvs[i].X * cam.Width - 0.5f) + 0.5f, v = MathF.Round(uvs[i].Y * cam.Height - 0.5f) + 0.5f;
                Assert.True(Math.Abs(uvs[i].X * cam.Width - u) < 1e-3 && Math.Abs(uvs[i].Y * cam.Height - v) < 1e-3);
                var d = depth[(int)v * cam.Width + (int)u];
                Assert.Equal(-d, positions[i].Z, 5);
                Assert.Equal((u - cam.Cx) / cam.Fx * d, positions[i].X, 5);
                Assert.Equal(-(v - cam.Cy) / cam.Fy * d, positions[i].Y, 5);
            }
            var material = prim.Material;
            Assert.Equal(l == 0 ? AlphaMode.OPAQUE : AlphaMode.MASK, material.Alpha);
            var image = material.FindChannel("BaseColor")!.Value.Texture.PrimaryImage;
            Assert.True(image.Content.IsPng);
            Assert.Equal(scene.LayerPngBytes(l), image.Content.Content.ToArray());
        }
        // Triangles face the source camera (counter-clockwise seen from +Z looking down -Z): their normals point to +Z.
        var p0 = model.LogicalNodes[0].Mesh.Primitives[0];
        var pos = p0.GetVertexAccessor("POSITION").AsVector3Array();
        foreach (var (a, b, c) in p0.GetTriangleIndices().Take(50))
            Assert.True(System.Numerics.Vector3.Cross(pos[b] - pos[a], pos[c] - pos[a]).Z > 0);
    }

    [Fact]
    public void A_1024x683_photo_fits_ten_megabytes()
    {
        TestTorch.Init();
        // The worst case for the texture: noise does not compress. Depth: a slanted plane, every cell kept.
        var rgb = rand(3, 683, 1024, generator: new Generator(3)) * 2 - 1;
        var depth = (linspace(2, 6, 1024).view(1, 1024) + zeros(683, 1)).contiguous();
        using var scene = LiftFixtures.Single(rgb, depth, InstantViews.Geometry.Camera.FromFov(1024, 683, 60));
        var (bytes, step) = GlbExport.Encode(scene);
        output.WriteLine($"{bytes.Length / 1e6:0.00} MB at step {step}");
        Assert.True(bytes.Length <= GlbExport.DefaultMaxBytes, $"{bytes.Length} bytes");
        Assert.True(step <= 2, $"step {step}");
    }

    [NodeFact]
    public void The_Khronos_validator_reports_no_errors()
    {
        using var scene = Lifted();
        using var dir = new TempDir();
        GlbExport.Write(scene, dir.File("scene.glb"), step: 1);
        var validator = Path.Combine(AppContext.BaseDirectory, "Lifting", "gltf-validator");
        Assert.True(File.Exists(Path.Combine(validator, "index.js")), $"vendored validator missing at {validator}");
        var script = "const v = require(process.argv[1]); const fs = require('fs');" +
                     "v.validateBytes(new Uint8Array(fs.readFileSync(process.argv[2])))" +
                     ".then(r => console.log(JSON.stringify(r.issues))).catch(e => { console.error(String(e)); process.exit(1); });";
        var psi = new ProcessStartInfo(NodeFactAttribute.NodePath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-e", script, validator, dir.File("scene.glb") }) psi.ArgumentList.Add(a);
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEnd();
        var stderr = node.StandardError.ReadToEnd();
        Assert.True(node.WaitForExit(60_000), "validator timed out");
        Assert.True(node.ExitCode == 0, stderr);
        var issues = JsonNode.Parse(stdout)!;
        output.WriteLine(stdout);
        Assert.Equal(0, issues["numErrors"]!.GetValue<int>());
        Assert.Equal(0, issues["numWarnings"]!.GetValue<int>());
    }
}
