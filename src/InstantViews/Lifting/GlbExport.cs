using System.Runtime.InteropServices;
using InstantViews.Imaging;
using InstantViews.Runtime;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;

namespace InstantViews.Lifting;

/// <summary>
/// Writes a <see cref="LayeredScene"/> as glTF 2.0 binary (.glb), the format Blender, three.js and web viewers open: one
/// node per layer holding a textured triangle mesh (<see cref="LayerMesh"/>), the layer's RGBA PNG as its texture (in
/// the binary buffer), unlit (KHR_materials_unlit: the photo's colours are already lit), double-sided; layer 0 opaque,
/// later layers alpha-mode MASK (cutoff 0.5) so their empty pixels are not drawn.
/// <para>
/// Axes: glTF is right-handed with +Y up, +Z toward the viewer, metres. A point (x, y, z) in the source camera's
/// OpenCV axes (x right, y down, z forward) is written as (x, -y, -z): a half turn about X, so orientation and
/// handedness are kept. The source camera sits at the origin looking along -Z with +Y up, as a glTF camera does.
/// Texture coordinates are (u / W, v / H) of each vertex's pixel centre, origin at the image's top-left (glTF's).
/// </para>
/// <para>
/// Size: the mesh has one vertex per <c>step</c> x <c>step</c> pixels, the smallest step whose file fits
/// <see cref="DefaultMaxBytes"/> (a 1024x683 photo: step 2); the textures keep every pixel.
/// </para>
/// </summary>
public static class GlbExport
{
    public const long DefaultMaxBytes = 10_000_000;
    const int MaxStep = 16;

    /// <summary>The OpenCV-to-glTF axis transform: (x, y, z) -> (x, -y, -z).</summary>
    public static System.Numerics.Vector3 ToGltf(float x, float y, float z) => new(x, -y, -z);

    /// <summary>Writes <paramref name="scene"/> to <paramref name="path"/> (atomically); returns the mesh step used and the file's size.</summary>
    public static (int Step, long Bytes) Write(LayeredScene scene, string path, long maxBytes = DefaultMaxBytes, int? step = null)
    {
        var (bytes, used) = Encode(scene, maxBytes, step);
        AtomicFile.Write(path, bytes);
        return (used, bytes.Length);
    }

    /// <summary>The .glb bytes, with the step used (the given one, or the smallest that fits <paramref name="maxBytes"/>).</summary>
    public static (byte[] Bytes, int Step) Encode(LayeredScene scene, long maxBytes = DefaultMaxBytes, int? step = null)
    {
        if (step is < 1) throw new ArgumentException($"step must be at least 1, got {step}");
        var textures = Enumerable.Range(0, scene.Layers.Count).AsParallel().AsOrdered().Select(scene.LayerPngBytes).ToArray();
        var depths = scene.Layers.Select(l => l.Depth.to_type(TorchSharp.torch.ScalarType.Float32).cpu().contiguous().data<float>().ToArray()).ToArray();
        var valids = scene.Layers.Select(l => l.Valid.to_type(TorchSharp.torch.ScalarType.Float32).cpu().contiguous().data<float>().ToArray()).ToArray();
        LayerMesh[] Meshes(int s) => [.. depths.Select((d, i) => LayerMesh.Build(d, valids[i], scene.Camera, s))];
        // The first step whose mesh could fit (a vertex and two triangles per valid node), confirmed on the mesh itself.
        var validPixels = valids.Sum(v => v.Count(x => x > 0.5f));
        var s = step ?? 1;
        while (step is null && s < MaxStep && (40L * validPixels / (s * s)) + textures.Sum(t => (long)t.Length) + 4096 > maxBytes) s++;
        var meshes = Meshes(s);
        // Positions (12 bytes) and normalised 16-bit texture coordinates (4) per vertex, 32-bit indices, the PNGs, and slack for the JSON and padding.
        long Estimate(LayerMesh[] m) => m.Sum(x => 16L * x.VertexCount + 12L * x.TriangleCount) + textures.Sum(t => (long)t.Length) + 4096;
        while (step is null && Estimate(meshes) > maxBytes && s < MaxStep) meshes = Meshes(++s);
        var bytes = Build(scene, meshes, textures);
        return (bytes, s);
    }

    static byte[] Build(LayeredScene scene, LayerMesh[] meshes, byte[][] textures)
    {
        var model = ModelRoot.CreateModel();
        var root = model.UseScene("lifted photo");
        for (int l = 0; l < meshes.Length; l++)
        {
            var layer = scene.Layers[l];
            var mesh = meshes[l];
            var image = model.CreateImage($"layer{l}");
            image.Content = new MemoryImage(textures[l]);
            var material = model.CreateMaterial($"layer{l}-{layer.Name}");
            material.InitializeUnlit();
            material.DoubleSided = true;
            if (l > 0)
            {
                material.Alpha = AlphaMode.MASK;
                material.AlphaCutoff = 0.5f;
            }
            material.FindChannel("BaseColor")!.Value.SetTexture(0, image, null, TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.CLAMP_TO_EDGE,
                TextureMipMapFilter.LINEAR_MIPMAP_LINEAR, TextureInterpolationFilter.LINEAR);
            var node = root.CreateNode($"layer{l}-{layer.Name}");
            if (mesh.TriangleCount == 0) continue;
            var gm = model.CreateMesh($"layer{l}-{layer.Name}");
            var prim = gm.CreatePrimitive();
            var positions = new float[mesh.Positions.Length];
            for (int i = 0; i < positions.Length; i += 3)
            {
                var g = ToGltf(mesh.Positions[i], mesh.Positions[i + 1], mesh.Positions[i + 2]);
                (positions[i], positions[i + 1], positions[i + 2]) = (g.X, g.Y, g.Z);
            }
            var uv = new ushort[mesh.Pixels.Length];
            for (int i = 0; i < uv.Length; i += 2)
            {
                uv[i] = (ushort)Math.Round(mesh.Pixels[i] / scene.Width * ushort.MaxValue);
                uv[i + 1] = (ushort)Math.Round(mesh.Pixels[i + 1] / scene.Height * ushort.MaxValue);
            }
            var pos = model.CreateAccessor("POSITION");
            pos.SetVertexData(model.UseBufferView(MemoryMarshal.AsBytes(positions.AsSpan()).ToArray(), 0, null, 0, BufferMode.ARRAY_BUFFER), 0, mesh.VertexCount,
                new AttributeFormat(DimensionType.VEC3, EncodingType.FLOAT, false));
            prim.SetVertexAccessor("POSITION", pos);
            var tex = model.CreateAccessor("TEXCOORD_0");
            tex.SetVertexData(model.UseBufferView(MemoryMarshal.AsBytes(uv.AsSpan()).ToArray(), 0, null, 0, BufferMode.ARRAY_BUFFER), 0, mesh.VertexCount,
                new AttributeFormat(DimensionType.VEC2, EncodingType.UNSIGNED_SHORT, true));
            prim.SetVertexAccessor("TEXCOORD_0", tex);
            var idx = model.CreateAccessor("indices");
            idx.SetIndexData(model.UseBufferView(MemoryMarshal.AsBytes(mesh.Indices.AsSpan()).ToArray(), 0, null, 0, BufferMode.ELEMENT_ARRAY_BUFFER), 0, mesh.Indices.Length,
                IndexEncodingType.UNSIGNED_INT);
            prim.SetIndexAccessor(idx);
            prim.Material = material;
            node.Mesh = gm;
        }
        model.MergeBuffers();
        var bytes = model.WriteGLB();
        return bytes.ToArray();
    }
}
