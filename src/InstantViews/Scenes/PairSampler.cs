using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>Chooses source/target cameras whose covisibility lies in a range (evaluation: mid 0.5-0.8, long 0.2-0.5).</summary>
public static class PairSampler
{
    /// <summary>Covisibility is estimated on depth-only renders this many pixels wide.</summary>
    const int ProbeWidth = 32;

    /// <summary>
    /// A random source pose and a target pose moved and turned from it, the motion bisected until the covisibility
    /// falls in [<paramref name="min"/>, <paramref name="max"/>]. Null when no such target was found.
    /// </summary>
    public static (Camera Source, Camera Target, double Covisibility)? SamplePoses(Scene scene, Camera intrinsics, SceneRandom rng, double min, double max, int attempts = 16)
    {
        var probe = intrinsics.Scaled(ProbeWidth, Math.Max(1, (int)Math.Round((double)ProbeWidth * intrinsics.Height / intrinsics.Width)));
        for (int restart = 0; restart < 4; restart++)
        {
            var source = CameraPaths.RandomPose(scene, probe, rng);
            var sourceDepth = Renderer.RenderDepth(scene, source);
            var eye = source.Position;
            var f = source.Forward;
            double yaw = Math.Atan2(f.X, f.Z), pitch = Math.Asin(Math.Clamp(f.Y, -1, 1));
            var angle = rng.Uniform(0, 2 * Math.PI);
            var dir = new Vec3(Math.Sin(angle), rng.Uniform(-0.15, 0.15), Math.Cos(angle));
            var turn = rng.Uniform(-1, 1);
            double lo = 0, hi = 1, m = rng.Uniform(0.2, 0.6);
            for (int i = 0; i < attempts; i++)
            {
                // Full motion: 2 m and 0.9 rad of yaw; m scales both.
                var next = eye + 2.0 * m * dir;
                if (!scene.IsFreePath(eye, next, CameraPaths.Clearance)) { hi = m; m = 0.5 * (lo + hi); continue; }
                var target = probe.WithPose(CameraPaths.Pose(next, yaw + 0.9 * m * turn, pitch + rng.Uniform(-0.05, 0.05)));
                var c = Covisibility.Compute(source, sourceDepth, target, Renderer.RenderDepth(scene, target));
                if (c >= min && c <= max)
                    return (intrinsics.WithPose(source.WorldToCamera), intrinsics.WithPose(target.WorldToCamera), c);
                if (c > max) lo = m; else hi = m;
                m = 0.5 * (lo + hi);
            }
        }
        return null;
    }
}
