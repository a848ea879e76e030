namespace InstantViews.Geometry;

/// <summary>A 3x3 matrix of doubles, row-major (rotations and intrinsics).</summary>
public readonly record struct Mat3(
    double M00, double M01, double M02,
    double M10, double M11, double M12,
    double M20, double M21, double M22)
{
    public static readonly Mat3 Identity = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    public static Mat3 FromRows(Vec3 r0, Vec3 r1, Vec3 r2) => new(r0.X, r0.Y, r0.Z, r1.X, r1.Y, r1.Z, r2.X, r2.Y, r2.Z);

    public static Mat3 FromArray(double[,] m)
    {
        if (m.GetLength(0) < 3 || m.GetLength(1) < 3) throw new ArgumentException("matrix must be at least 3x3");
        return new(m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2], m[2, 0], m[2, 1], m[2, 2]);
    }

    public Vec3 Row(int i) => i switch
    {
        0 => new(M00, M01, M02),
        1 => new(M10, M11, M12),
        2 => new(M20, M21, M22),
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };

    public double this[int r, int c] => Row(r)[c];

    /// <summary>det = row0 . (row1 x row2).</summary>
    public double Determinant() => Vec3.Dot(Row(0), Vec3.Cross(Row(1), Row(2)));

    /// <summary>The largest entry of |M M^T - I|: 0 for an orthonormal matrix.</summary>
    public double OrthonormalityError()
    {
        var mmt = this * Transpose();
        var error = 0.0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) error = Math.Max(error, Math.Abs(mmt[i, j] - (i == j ? 1 : 0)));
        return error;
    }

    /// <summary>Whether this is a proper rotation: orthonormal to <paramref name="tolerance"/> (entries of M M^T - I) and det +1, not a reflection.</summary>
    public bool IsRotation(double tolerance) => OrthonormalityError() <= tolerance && Determinant() > 0;

    public Mat3 Transpose() => new(M00, M10, M20, M01, M11, M21, M02, M12, M22);

    public static Vec3 operator *(Mat3 m, Vec3 v) => new(
        m.M00 * v.X + m.M01 * v.Y + m.M02 * v.Z,
        m.M10 * v.X + m.M11 * v.Y + m.M12 * v.Z,
        m.M20 * v.X + m.M21 * v.Y + m.M22 * v.Z);

    public static Mat3 operator *(Mat3 a, Mat3 b)
    {
        var bt = b.Transpose();
        Vec3 r0 = a.Row(0), r1 = a.Row(1), r2 = a.Row(2), c0 = bt.Row(0), c1 = bt.Row(1), c2 = bt.Row(2);
        return new(
            Vec3.Dot(r0, c0), Vec3.Dot(r0, c1), Vec3.Dot(r0, c2),
            Vec3.Dot(r1, c0), Vec3.Dot(r1, c1), Vec3.Dot(r1, c2),
            Vec3.Dot(r2, c0), Vec3.Dot(r2, c1), Vec3.Dot(r2, c2));
    }

    /// <summary>Rotation about the world y axis by <paramref name="angle"/> radians.</summary>
    public static Mat3 RotationY(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new(c, 0, s, 0, 1, 0, -s, 0, c);
    }

    /// <summary>Rotation about the x axis by <paramref name="angle"/> radians.</summary>
    public static Mat3 RotationX(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new(1, 0, 0, 0, c, -s, 0, s, c);
    }

    public double[,] ToArray() => new[,] { { M00, M01, M02 }, { M10, M11, M12 }, { M20, M21, M22 } };
}
