using InstantViews.Geometry;

namespace InstantViews.Scenes;

/// <summary>Camera trajectories in a scene: walk-throughs that stay in free space, orbits for demos, random single poses.</summary>
public static class CameraPaths
{
    /// <summary>Distance kept from walls and object bounds.</summary>
    public const double Clearance = 0.3;

    /// <summary>Random poses see their centre surface at least this far away (metres).</summary>
    public const double MinViewDistance = 1.5;

    /// <summary>A random free pose at eye height, a little pitched, facing mostly into the room.</summary>
    public static Camera RandomPose(Scene scene, Camera intrinsics, SceneRandom rng)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            var eye = new Vec3(rng.Uniform(0, scene.Size.X), rng.Uniform(1.1, Math.Min(1.8, scene.Size.Y - Clearance)), rng.Uniform(0, scene.Size.Z));
            if (!scene.IsFree(eye, Clearance)) continue;
            // Mostly look towards an object (else the room centre) so that views are rarely wall-only.
            var look = scene.Objects.Length > 0 && rng.Chance(0.75)
                ? scene.Objects[rng.Next(0, scene.Objects.Length)].Center
                : new Vec3(scene.Size.X / 2, 1.0, scene.Size.Z / 2);
            var yaw = Math.Atan2(look.X - eye.X, look.Z - eye.Z) + rng.Uniform(-0.5, 0.5);
            var pitch = rng.Uniform(-0.2, 0.1);
            // Reject views that start with the nose against a surface.
            var forward = new Vec3(Math.Cos(pitch) * Math.Sin(yaw), Math.Sin(pitch), Math.Cos(pitch) * Math.Cos(yaw));
            if (attempt < 150 && scene.Intersect(eye, forward).T < MinViewDistance) continue;
            return intrinsics.WithPose(Pose(eye, yaw, pitch));
        }
        // A room too crowded for a random eye position: look down from under the ceiling.
        return intrinsics.WithPose(Pose(new Vec3(scene.Size.X / 2, scene.Size.Y - Clearance, scene.Size.Z / 2), rng.Uniform(0, 2 * Math.PI), -0.4));
    }

    /// <summary>World-to-camera pose at <paramref name="eye"/> with heading <paramref name="yaw"/> (about +y, 0 = +z) and pitch (positive = up).</summary>
    public static RigidTransform Pose(Vec3 eye, double yaw, double pitch)
    {
        var forward = new Vec3(Math.Cos(pitch) * Math.Sin(yaw), Math.Sin(pitch), Math.Cos(pitch) * Math.Cos(yaw));
        return RigidTransform.LookAt(eye, eye + forward);
    }

    /// <summary>
    /// A walk-through of <paramref name="frames"/> poses: forward/back and sideways steps, yaw turns and a little
    /// pitch, never leaving free space (a blocked step turns the walker instead).
    /// </summary>
    public static Camera[] Walkthrough(Scene scene, Camera intrinsics, int frames, SceneRandom rng, double stepMetres = 0.15, double turnRadians = 0.08)
    {
        var start = RandomPose(scene, intrinsics, rng);
        var eye = start.Position;
        var f = start.Forward;
        double yaw = Math.Atan2(f.X, f.Z), pitch = Math.Asin(Math.Clamp(f.Y, -1, 1));
        double forwardSpeed = rng.Uniform(-0.3, 1.0), sideSpeed = rng.Uniform(-0.5, 0.5), turnSpeed = rng.Uniform(-1, 1);
        var path = new Camera[frames];
        for (int i = 0; i < frames; i++)
        {
            path[i] = intrinsics.WithPose(Pose(eye, yaw, pitch));
            // Smoothly varying velocities give natural motion; a blocked move turns the walker instead.
            forwardSpeed = Math.Clamp(forwardSpeed + rng.Uniform(-0.3, 0.3), -0.5, 1);
            sideSpeed = Math.Clamp(sideSpeed + rng.Uniform(-0.3, 0.3), -0.6, 0.6);
            turnSpeed = Math.Clamp(turnSpeed + rng.Uniform(-0.4, 0.4), -1, 1);
            var heading = new Vec3(Math.Sin(yaw), 0, Math.Cos(yaw));
            var side = new Vec3(Math.Cos(yaw), 0, -Math.Sin(yaw));
            var next = eye + stepMetres * (forwardSpeed * heading + sideSpeed * side);
            if (scene.IsFreePath(eye, next, Clearance)) eye = next;
            else
            {
                turnSpeed = Math.Sign(turnSpeed == 0 ? 1 : turnSpeed);
                forwardSpeed *= -0.5;
            }
            // Facing a nearby wall or object: keep turning until the view opens up again.
            var ahead = new Vec3(Math.Cos(pitch) * Math.Sin(yaw), Math.Sin(pitch), Math.Cos(pitch) * Math.Cos(yaw));
            if (scene.Intersect(eye, ahead).T < 1.0) turnSpeed = turnSpeed < 0 ? -1 : 1;
            yaw += turnRadians * turnSpeed;
            pitch = Math.Clamp(pitch + rng.Uniform(-0.03, 0.03), -0.25, 0.15);
        }
        return path;
    }

    /// <summary>An orbit of <paramref name="frames"/> poses around <paramref name="center"/> at a fixed radius and pitch (radians).</summary>
    public static Camera[] Orbit(Camera intrinsics, Vec3 center, double radius, int frames, double pitch = 0.25, double startYaw = 0)
    {
        var path = new Camera[frames];
        for (int i = 0; i < frames; i++) path[i] = intrinsics.Orbit(center, radius, startYaw + 2 * Math.PI * i / frames, pitch);
        return path;
    }
}
