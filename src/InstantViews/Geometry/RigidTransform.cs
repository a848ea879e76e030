namespace InstantViews.Geometry;

/// <summary>A rotation and translation, x -> R x + T (e.g. world-to-camera, or source camera to target camera).</summary>
public readonly record struct RigidTransform(Mat3 R, Vec3 T)
{
    public static readonly RigidTransform Identity = new(Mat3.Identity, Vec3.Zero);

    public Vec3 Apply(Vec3 p) => R * p + T;

    public RigidTransform Inverse()
    {
        var rt = R.Transpose();
        return new(rt, -(rt * T));
    }

    /// <summary>This transform followed by <paramref name="next"/>: x -> next(this(x)).</summary>
    public RigidTransform Then(RigidTransform next) => new(next.R * R, next.R * T + next.T);

    /// <summary>The 4x4 homogeneous matrix [R | T; 0 0 0 1].</summary>
    public double[,] ToMatrix4() => new[,]
    {
        { R.M00, R.M01, R.M02, T.X },
        { R.M10, R.M11, R.M12, T.Y },
        { R.M20, R.M21, R.M22, T.Z },
        { 0, 0, 0, 1 },
    };

    public static RigidTransform FromMatrix4(double[,] m) => new(Mat3.FromArray(m), new(m[0, 3], m[1, 3], m[2, 3]));

    /// <summary>
    /// World-to-camera pose (OpenCV axes: x right, y down, z forward) of a camera at <paramref name="eye"/> looking
    /// at <paramref name="target"/>, with <paramref name="up"/> (default world +y) pointing up in the image.
    /// </summary>
    public static RigidTransform LookAt(Vec3 eye, Vec3 target, Vec3? up = null)
    {
        var f = (target - eye).Normalized();
        var u = up ?? Vec3.UnitY;
        var right = Vec3.Cross(f, u);
        // Looking straight along up: any right vector perpendicular to f will do.
        if (right.Length < 1e-9) right = Vec3.Cross(f, Math.Abs(f.X) < 0.9 ? new Vec3(1, 0, 0) : new Vec3(0, 0, 1));
        right = right.Normalized();
        var down = Vec3.Cross(f, right);
        var r = Mat3.FromRows(right, down, f);
        return new(r, -(r * eye));
    }

    /// <summary>
    /// Pose on a sphere of <paramref name="radius"/> around <paramref name="center"/>, looking at it. Yaw (radians)
    /// turns about world +y from the +z side; pitch (radians) lifts the camera above the centre.
    /// </summary>
    public static RigidTransform Orbit(Vec3 center, double radius, double yaw, double pitch, Vec3? up = null)
    {
        var offset = new Vec3(Math.Cos(pitch) * Math.Sin(yaw), Math.Sin(pitch), Math.Cos(pitch) * Math.Cos(yaw));
        return LookAt(center + radius * offset, center, up);
    }
}
