using static TorchSharp.torch;

namespace InstantViews.Geometry;

/// <summary>
/// A pinhole camera: intrinsics (fx, fy, cx, cy) for a <see cref="Width"/> x <see cref="Height"/> image and
/// world-to-camera extrinsics x_cam = R x_world + T, in OpenCV axes (x right, y down, z forward).
/// Image coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), so its centre is (i + 0.5, j + 0.5)
/// and a centred principal point is (W/2, H/2). Depth means z in camera coordinates (metres).
/// </summary>
public sealed record Camera(double Fx, double Fy, double Cx, double Cy, int Width, int Height, Mat3 R, Vec3 T)
{
    /// <summary>A camera at the origin looking along +z with horizontal field of view <paramref name="fovXDegrees"/> and square pixels.</summary>
    public static Camera FromFov(int width, int height, double fovXDegrees)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        if (fovXDegrees <= 0 || fovXDegrees >= 180) throw new ArgumentException($"field of view must be in (0, 180) degrees, got {fovXDegrees}");
        var f = 0.5 * width / Math.Tan(0.5 * fovXDegrees * Math.PI / 180);
        return new(f, f, 0.5 * width, 0.5 * height, width, height, Mat3.Identity, Vec3.Zero);
    }

    public RigidTransform WorldToCamera => new(R, T);

    public RigidTransform CameraToWorld => WorldToCamera.Inverse();

    /// <summary>Camera centre in world coordinates: -R^T T.</summary>
    public Vec3 Position => -(R.Transpose() * T);

    /// <summary>Viewing direction (camera +z) in world coordinates.</summary>
    public Vec3 Forward => R.Row(2);

    /// <summary>The same intrinsics with a new world-to-camera pose.</summary>
    public Camera WithPose(RigidTransform worldToCamera) => this with { R = worldToCamera.R, T = worldToCamera.T };

    /// <summary>The same intrinsics, placed at <paramref name="eye"/> looking at <paramref name="target"/>.</summary>
    public Camera LookAt(Vec3 eye, Vec3 target, Vec3? up = null) => WithPose(RigidTransform.LookAt(eye, target, up));

    /// <summary>The same intrinsics on an orbit around <paramref name="center"/> (yaw, pitch in radians).</summary>
    public Camera Orbit(Vec3 center, double radius, double yaw, double pitch, Vec3? up = null) =>
        WithPose(RigidTransform.Orbit(center, radius, yaw, pitch, up));

    /// <summary>The same view at another image size: intrinsics scale with the image, the pose is unchanged.</summary>
    public Camera Scaled(int newWidth, int newHeight)
    {
        if (newWidth <= 0 || newHeight <= 0) throw new ArgumentException($"image size must be positive, got {newWidth}x{newHeight}");
        double sx = (double)newWidth / Width, sy = (double)newHeight / Height;
        return this with { Fx = Fx * sx, Fy = Fy * sy, Cx = Cx * sx, Cy = Cy * sy, Width = newWidth, Height = newHeight };
    }

    /// <summary>Projects a world point: image coordinates (u, v) and depth z (z &lt;= 0 means behind the camera).</summary>
    public (double U, double V, double Z) Project(Vec3 world)
    {
        var p = R * world + T;
        return (Fx * p.X / p.Z + Cx, Fy * p.Y / p.Z + Cy, p.Z);
    }

    /// <summary>The world point seen at image coordinates (u, v) at depth z.</summary>
    public Vec3 Unproject(double u, double v, double depth)
    {
        var p = new Vec3((u - Cx) / Fx * depth, (v - Cy) / Fy * depth, depth);
        return R.Transpose() * (p - T);
    }

    /// <summary>Projects many world points; writes (u, v, z) per point.</summary>
    public void Project(ReadOnlySpan<Vec3> world, Span<Vec3> uvz)
    {
        if (uvz.Length < world.Length) throw new ArgumentException("output span is shorter than the input");
        for (int i = 0; i < world.Length; i++)
        {
            var (u, v, z) = Project(world[i]);
            uvz[i] = new(u, v, z);
        }
    }

    /// <summary>Unprojects many (u, v, depth) triples to world points.</summary>
    public void Unproject(ReadOnlySpan<Vec3> uvz, Span<Vec3> world)
    {
        if (world.Length < uvz.Length) throw new ArgumentException("output span is shorter than the input");
        for (int i = 0; i < uvz.Length; i++) world[i] = Unproject(uvz[i].X, uvz[i].Y, uvz[i].Z);
    }

    /// <summary>World points of every pixel centre of a row-major [H, W] depth map (metres).</summary>
    public Vec3[] UnprojectDepth(ReadOnlySpan<float> depth)
    {
        if (depth.Length != Width * Height) throw new ArgumentException($"depth has {depth.Length} values, camera needs {Width}x{Height}");
        var world = new Vec3[depth.Length];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                var i = y * Width + x;
                world[i] = Unproject(x + 0.5, y + 0.5, depth[i]);
            }
        return world;
    }

    /// <summary>The transform from this camera's coordinates to <paramref name="target"/>'s: x_t = R x_s + T.</summary>
    public RigidTransform RelativeTo(Camera target) => CameraToWorld.Then(target.WorldToCamera);

    /// <summary>Intrinsics K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]].</summary>
    public double[,] K => new[,] { { Fx, 0, Cx }, { 0, Fy, Cy }, { 0, 0, 1 } };

    /// <summary>K as a float32 tensor [3, 3] and [R | t] as a float32 tensor [3, 4].</summary>
    public (Tensor K, Tensor Rt) ToTensors()
    {
        var k = tensor(new float[] { (float)Fx, 0, (float)Cx, 0, (float)Fy, (float)Cy, 0, 0, 1 }, [3, 3]);
        var rt = tensor(new float[]
        {
            (float)R.M00, (float)R.M01, (float)R.M02, (float)T.X,
            (float)R.M10, (float)R.M11, (float)R.M12, (float)T.Y,
            (float)R.M20, (float)R.M21, (float)R.M22, (float)T.Z,
        }, [3, 4]);
        return (k, rt);
    }

    /// <summary>
    /// Camera-to-world 4x4 in the NeRF transforms.json convention (OpenGL axes: x right, y up, z backward):
    /// the OpenCV camera-to-world with its y and z columns negated.
    /// </summary>
    public double[,] ToNerfMatrix()
    {
        var m = CameraToWorld.ToMatrix4();
        for (int r = 0; r < 3; r++)
        {
            m[r, 1] = -m[r, 1];
            m[r, 2] = -m[r, 2];
        }
        return m;
    }

    /// <summary>Builds a camera from a NeRF camera-to-world matrix (OpenGL axes) and intrinsics.</summary>
    public static Camera FromNerf(double[,] cameraToWorld, double fx, double fy, double cx, double cy, int width, int height)
    {
        if (cameraToWorld.GetLength(0) < 3 || cameraToWorld.GetLength(1) != 4) throw new ArgumentException("transform_matrix must be 3x4 or 4x4");
        var m = new double[4, 4];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++) m[r, c] = c is 1 or 2 ? -cameraToWorld[r, c] : cameraToWorld[r, c];
        m[3, 3] = 1;
        var w2c = RigidTransform.FromMatrix4(m).Inverse();
        return new(fx, fy, cx, cy, width, height, w2c.R, w2c.T);
    }
}
