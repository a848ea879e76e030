using InstantViews.Geometry;
using static TorchSharp.torch;

namespace InstantViews.Lifting;

/// <summary>
/// A layer as a triangle mesh: one vertex per grid node (every <see cref="Step"/>-th pixel centre, the last row and
/// column always included), placed at its depth in the source camera's coordinates (OpenCV axes: x right, y down,
/// z forward; metres), two triangles per grid cell. A triangle is dropped when a vertex is not valid or when two of its
/// vertices' depths differ by more than the discontinuity threshold (<see cref="Discontinuous"/>), so no triangle is
/// stretched across a depth edge (the "cut" mesh of 3D Photo Inpainting, Shih et al., CVPR 2020). Each cell is split
/// along the diagonal that keeps more triangles. Triangles wind counter-clockwise as seen from the source camera on an
/// image shown with y up (glTF's front face after the axis flip of <see cref="GlbExport"/>).
/// </summary>
public sealed class LayerMesh
{
    /// <summary>
    /// The default relative threshold t: neighbours with |d1 - d2| &gt; t min(d1, d2) are not joined. 0.1 keeps a
    /// floor or wall seen at a grazing angle whole (a plane's depth changes by d / (f h) per pixel, under 0.1 out to
    /// 130 m for a 1024-px photo at 60 degrees 1.5 m above the floor) and cuts the object edges of the procedural scenes
    /// (tests/InstantViews.Tests/Lifting/LayerMeshTests.cs measures both).
    /// </summary>
    public const double DefaultThreshold = 0.1;

    public int Step { get; }
    /// <summary>The layer grid's size (pixels).</summary>
    public int Width { get; }
    public int Height { get; }
    /// <summary>x, y, z per vertex: source camera coordinates, metres.</summary>
    public float[] Positions { get; }
    /// <summary>Pixel coordinates (u, v) of each vertex on the layer grid (pixel centres at i + 0.5); divide by the size for texture coordinates.</summary>
    public float[] Pixels { get; }
    /// <summary>Three vertex indices per triangle.</summary>
    public int[] Indices { get; }
    public int VertexCount => Positions.Length / 3;
    public int TriangleCount => Indices.Length / 3;

    LayerMesh(int step, int width, int height, float[] positions, float[] pixels, int[] indices) =>
        (Step, Width, Height, Positions, Pixels, Indices) = (step, width, height, positions, pixels, indices);

    /// <summary>Whether two depths are on either side of a discontinuity: |d1 - d2| &gt; t min(d1, d2).</summary>
    public static bool Discontinuous(float d1, float d2, double threshold) => Math.Abs(d1 - d2) > threshold * Math.Min(d1, d2);

    /// <summary>
    /// Meshes <paramref name="layer"/> seen by <paramref name="camera"/> (its grid size) with one vertex per
    /// <paramref name="step"/> pixels. The threshold applies per pixel: between nodes <paramref name="step"/> pixels
    /// apart it is (1 + t)^step - 1, so a slanted surface that stays whole at step 1 stays whole at any step.
    /// </summary>
    public static LayerMesh Build(SceneLayer layer, Camera camera, int step = 1, double threshold = DefaultThreshold)
    {
        var depth = layer.Depth.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var valid = layer.Valid.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        return Build(depth, valid, camera, step, threshold);
    }

    /// <summary><see cref="Build(SceneLayer, Camera, int, double)"/> on row-major depth and valid arrays of the camera's size.</summary>
    public static LayerMesh Build(float[] depth, float[] valid, Camera camera, int step = 1, double threshold = DefaultThreshold)
    {
        if (step < 1) throw new ArgumentException($"step must be at least 1, got {step}");
        int w = camera.Width, h = camera.Height;
        if (depth.Length != w * h || valid.Length != w * h) throw new ArgumentException($"depth and valid must hold {w}x{h} values");
        var t = Math.Pow(1 + threshold, step) - 1;
        var xs = Nodes(w, step);
        var ys = Nodes(h, step);
        int gw = xs.Length, gh = ys.Length;
        // Grid node -> vertex index (-1 until a kept triangle uses it), so empty regions cost no vertices.
        var vertex = new int[gw * gh];
        Array.Fill(vertex, -1);
        var tris = new List<int>(2 * gw * gh * 3);
        bool Ok(int a, int b, int c)
        {
            float da = depth[a], db = depth[b], dc = depth[c];
            return valid[a] > 0.5f && valid[b] > 0.5f && valid[c] > 0.5f
                && !Discontinuous(da, db, t) && !Discontinuous(db, dc, t) && !Discontinuous(da, dc, t);
        }
        var nodes = new List<int>();
        int Vertex(int gx, int gy)
        {
            ref var v = ref vertex[gy * gw + gx];
            if (v < 0)
            {
                v = nodes.Count;
                nodes.Add(gy * gw + gx);
            }
            return v;
        }
        void Add(int ax, int ay, int bx, int by, int cx, int cy)
        {
            tris.Add(Vertex(ax, ay));
            tris.Add(Vertex(bx, by));
            tris.Add(Vertex(cx, cy));
        }
        for (int gy = 0; gy + 1 < gh; gy++)
            for (int gx = 0; gx + 1 < gw; gx++)
            {
                int tl = ys[gy] * w + xs[gx], tr = ys[gy] * w + xs[gx + 1], bl = ys[gy + 1] * w + xs[gx], br = ys[gy + 1] * w + xs[gx + 1];
                // Split along tl-br: (tl, bl, br), (tl, br, tr); along tr-bl: (tl, bl, tr), (tr, bl, br).
                bool a1 = Ok(tl, bl, br), a2 = Ok(tl, br, tr), b1 = Ok(tl, bl, tr), b2 = Ok(tr, bl, br);
                if ((b1 ? 1 : 0) + (b2 ? 1 : 0) > (a1 ? 1 : 0) + (a2 ? 1 : 0))
                {
                    if (b1) Add(gx, gy, gx, gy + 1, gx + 1, gy);
                    if (b2) Add(gx + 1, gy, gx, gy + 1, gx + 1, gy + 1);
                }
                else
                {
                    if (a1) Add(gx, gy, gx, gy + 1, gx + 1, gy + 1);
                    if (a2) Add(gx, gy, gx + 1, gy + 1, gx + 1, gy);
                }
            }
        var positions = new float[nodes.Count * 3];
        var pixels = new float[nodes.Count * 2];
        for (int i = 0; i < nodes.Count; i++)
        {
            int gx = nodes[i] % gw, gy = nodes[i] / gw;
            double u = xs[gx] + 0.5, v = ys[gy] + 0.5, d = depth[ys[gy] * w + xs[gx]];
            var p = new Vec3((u - camera.Cx) / camera.Fx * d, (v - camera.Cy) / camera.Fy * d, d);
            (positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) = ((float)p.X, (float)p.Y, (float)p.Z);
            (pixels[2 * i], pixels[2 * i + 1]) = ((float)u, (float)v);
        }
        return new LayerMesh(step, w, h, positions, pixels, [.. tris]);
    }

    /// <summary>Node coordinates along a side of <paramref name="n"/> pixels: 0, step, 2 step, ..., and always n - 1.</summary>
    static int[] Nodes(int n, int step)
    {
        var list = new List<int>();
        for (int i = 0; i < n; i += step) list.Add(i);
        if (list[^1] != n - 1) list.Add(n - 1);
        return [.. list];
    }
}
