using InstantViews.Runtime;

namespace InstantViews.Geometry;

/// <summary>Rejects cameras that cannot project: zero or non-finite focal lengths, a rotation that is not a rotation.</summary>
public static class CameraChecks
{
    public static void Require(Camera c, string what)
    {
        if (c.Width < 1 || c.Height < 1) throw new UserError($"{what}: image size must be positive, got {c.Width}x{c.Height}");
        double[] all = [c.Fx, c.Fy, c.Cx, c.Cy, .. c.R.ToArray().Cast<double>(), c.T.X, c.T.Y, c.T.Z];
        if (all.Any(v => !double.IsFinite(v))) throw new UserError($"{what}: K or [R|t] holds NaN or infinite values");
        if (Math.Abs(c.Fx) < 1e-9 || Math.Abs(c.Fy) < 1e-9) throw new UserError($"{what}: singular intrinsics (fx = {c.Fx}, fy = {c.Fy})");
        // A negative focal length mirrors the image: motion would run the wrong way.
        if (c.Fx < 0 || c.Fy < 0) throw new UserError($"{what}: focal lengths must be positive (fx = {c.Fx}, fy = {c.Fy})");
        // R R^T = I and det R = +1 (a proper rotation), to a tolerance that admits values rounded in JSON files.
        if (!c.R.IsRotation(1e-3))
            throw new UserError($"{what}: world_to_camera rotation is not a rotation (|R R^T - I| = {c.R.OrthonormalityError():G3}, det = {c.R.Determinant():G3})");
    }
}
