using InstantViews.Geometry;

namespace InstantViews.Tests.Geometry;

public class CameraTests
{
    static Camera Posed() => Camera.FromFov(96, 64, 70).LookAt(new Vec3(1, 1.5, -2), new Vec3(0.3, 0.8, 1.5));

    [Fact]
    public void IsRotation_accepts_rotations_within_the_tolerance_and_refuses_scales_and_reflections()
    {
        Assert.True((Mat3.RotationY(0.7) * Mat3.RotationX(-0.3)).IsRotation(1e-9));
        Assert.True(new Mat3(1.0004, 0, 0, 0, 1, 0, 0, 0, 1).IsRotation(1e-3));
        Assert.False(new Mat3(2, 0, 0, 0, 1, 0, 0, 0, 1).IsRotation(1e-3));
        Assert.False(new Mat3(-1, 0, 0, 0, 1, 0, 0, 0, 1).IsRotation(1e-3));
        Assert.Equal(3, new Mat3(2, 0, 0, 0, 1, 0, 0, 0, 1).OrthonormalityError(), 12);
    }

    [Fact]
    public void Projection_and_unprojection_round_trip()
    {
        var cam = Posed() with { Cx = 45.3, Cy = 30.1, Fy = 70 };
        for (double u = 0.5; u < 96; u += 7.3)
            for (double v = 0.5; v < 64; v += 5.1)
            {
                var world = cam.Unproject(u, v, 2.75);
                var (pu, pv, z) = cam.Project(world);
                Assert.Equal(u, pu, 9);
                Assert.Equal(v, pv, 9);
                Assert.Equal(2.75, z, 9);
            }
    }

    [Fact]
    public void Vectorised_projection_matches_per_point()
    {
        var cam = Posed();
        var depth = Enumerable.Range(0, 96 * 64).Select(i => 1f + i % 7).ToArray();
        var world = cam.UnprojectDepth(depth);
        var uvz = new Vec3[world.Length];
        cam.Project(world, uvz);
        for (int i = 0; i < world.Length; i += 97)
        {
            Assert.Equal(i % 96 + 0.5, uvz[i].X, 6);
            Assert.Equal(i / 96 + 0.5, uvz[i].Y, 6);
            Assert.Equal(depth[i], uvz[i].Z, 6);
        }
    }

    [Fact]
    public void LookAt_puts_the_target_at_the_principal_point_with_up_up()
    {
        var eye = new Vec3(1, 1.5, -2);
        var target = new Vec3(0.3, 0.8, 1.5);
        var cam = Camera.FromFov(96, 64, 70).LookAt(eye, target);
        var (u, v, z) = cam.Project(target);
        Assert.Equal(cam.Cx, u, 9);
        Assert.Equal(cam.Cy, v, 9);
        Assert.Equal((target - eye).Length, z, 9);
        Assert.Equal(0, (cam.Position - eye).Length, 9);
        Assert.Equal(1, Vec3.Dot(cam.Forward, (target - eye).Normalized()), 9);
        // OpenCV axes: image y points down, so a point above the target has a smaller v.
        Assert.True(cam.Project(target + new Vec3(0, 0.1, 0)).V < v);
        Assert.Equal(0, Vec3.Dot(cam.R.Row(0), Vec3.UnitY), 9);
    }

    [Fact]
    public void Orbit_looks_at_the_centre_from_the_intended_side()
    {
        var centre = new Vec3(2, 1, 3);
        var cam = Camera.FromFov(64, 48, 60);
        var front = cam.Orbit(centre, 2, 0, 0);
        Assert.Equal(0, (front.Position - (centre + new Vec3(0, 0, 2))).Length, 9);
        Assert.Equal(0, (front.Forward - new Vec3(0, 0, -1)).Length, 9);
        var side = cam.Orbit(centre, 2, Math.PI / 2, 0);
        Assert.Equal(0, (side.Position - (centre + new Vec3(2, 0, 0))).Length, 9);
        var above = cam.Orbit(centre, 2, 0.3, 0.5);
        Assert.True(above.Position.Y > centre.Y);
        var (u, v, _) = above.Project(centre);
        Assert.Equal(32, u, 9);
        Assert.Equal(24, v, 9);
        Assert.Equal(2, (above.Position - centre).Length, 9);
    }

    [Fact]
    public void Nerf_conversion_round_trips_and_uses_OpenGL_axes()
    {
        var cam = Posed();
        var c2w = cam.ToNerfMatrix();
        // OpenGL cameras look down their -z column, with +y up.
        Assert.Equal(-cam.Forward.X, c2w[0, 2], 9);
        Assert.Equal(-cam.Forward.Y, c2w[1, 2], 9);
        Assert.Equal(-cam.Forward.Z, c2w[2, 2], 9);
        Assert.Equal(cam.Position.X, c2w[0, 3], 9);
        var back = Camera.FromNerf(c2w, cam.Fx, cam.Fy, cam.Cx, cam.Cy, cam.Width, cam.Height);
        var p = new Vec3(0.2, 0.4, 1.1);
        Assert.Equal(cam.Project(p).U, back.Project(p).U, 9);
        Assert.Equal(cam.Project(p).V, back.Project(p).V, 9);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++) Assert.Equal(cam.R[r, c], back.R[r, c], 12);
    }

    [Fact]
    public void Relative_pose_maps_source_camera_points_to_target_camera_points()
    {
        var a = Posed();
        var b = Camera.FromFov(96, 64, 70).Orbit(new Vec3(0, 1, 1), 3, 0.4, 0.2);
        var world = new Vec3(0.5, 1.2, 0.7);
        var inA = a.WorldToCamera.Apply(world);
        var inB = a.RelativeTo(b).Apply(inA);
        Assert.Equal(0, (inB - b.WorldToCamera.Apply(world)).Length, 9);
    }

    [Fact]
    public void Scaled_camera_sees_the_same_point_at_scaled_coordinates()
    {
        var cam = Posed();
        var half = cam.Scaled(48, 20);
        var p = new Vec3(0.3, 1, 1.2);
        var (u, v, _) = cam.Project(p);
        var (hu, hv, _) = half.Project(p);
        Assert.Equal(u * 0.5, hu, 9);
        Assert.Equal(v * 20 / 64, hv, 9);
    }

    [Fact]
    public void Tensors_have_K_and_Rt_shapes()
    {
        TestTorch.Init();
        var cam = Posed();
        var (k, rt) = cam.ToTensors();
        using (k)
        using (rt)
        {
            Assert.Equal([3L, 3], k.shape);
            Assert.Equal([3L, 4], rt.shape);
            Assert.Equal((float)cam.Fx, k[0, 0].item<float>());
            Assert.Equal((float)cam.T.Z, rt[2, 3].item<float>());
        }
    }

    [Fact]
    public void Json_round_trips_K_and_world_to_camera()
    {
        var cam = Posed();
        var json = CameraJson.Write(cam);
        var back = CameraJson.Read(System.Text.Json.Nodes.JsonNode.Parse(json.ToJsonString())!, cam.Width, cam.Height, "test");
        Assert.Equal(cam, back);
    }
}
