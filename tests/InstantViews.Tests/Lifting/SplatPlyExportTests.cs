using System.Buffers.Binary;
using System.Text;
using InstantViews.Geometry;
using InstantViews.Lifting;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

public class SplatPlyExportTests
{
    const string ExpectedHeader =
        "ply\nformat binary_little_endian 1.0\nelement vertex 4\n" +
        "property float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\n" +
        "property float f_dc_0\nproperty float f_dc_1\nproperty float f_dc_2\nproperty float opacity\n" +
        "property float scale_0\nproperty float scale_1\nproperty float scale_2\n" +
        "property float rot_0\nproperty float rot_1\nproperty float rot_2\nproperty float rot_3\nend_header\n";

    [Fact]
    public void A_2x2_scene_has_the_3dgs_header_and_68_byte_records_that_round_trip_the_formulas()
    {
        TestTorch.Init();
        var cam = new Camera(2, 2, 1, 1, 2, 2, Mat3.Identity, Vec3.Zero);
        // Colours in [-1, 1]: pixel 0 black, 1 white, 2 mid grey, 3 red; depths 1, 2, 3, 4.
        var rgb = tensor(new float[] { -1, 1, 0, 1, -1, 1, 0, -1, -1, 1, 0, -1 }, [3, 2, 2]);
        var depth = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var scene = LiftFixtures.Single(rgb, depth, cam);
        var bytes = SplatPlyExport.Encode(scene);
        var header = Encoding.ASCII.GetBytes(ExpectedHeader);
        Assert.Equal(header, bytes[..header.Length]);
        Assert.Equal(header.Length + 4 * 68, bytes.Length);
        float F(int splat, int property) => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(header.Length + 68 * splat + 4 * property));
        var r = rgb.data<float>().ToArray();
        for (int i = 0; i < 4; i++)
        {
            int x = i % 2, y = i / 2;
            float d = i + 1;
            // Position: the pixel centre back-projected (OpenCV axes), normal zero.
            Assert.Equal((x + 0.5f - 1) / 2 * d, F(i, 0), 6);
            Assert.Equal((y + 0.5f - 1) / 2 * d, F(i, 1), 6);
            Assert.Equal(d, F(i, 2));
            Assert.Equal([0f, 0f, 0f], new[] { F(i, 3), F(i, 4), F(i, 5) });
            // Colour = 0.5 + C0 f_dc, back to the layer's colour in [0, 1].
            for (int c = 0; c < 3; c++) Assert.Equal((r[c * 4 + i] + 1) / 2, 0.5 + SplatPlyExport.ShC0 * F(i, 6 + c), 5);
            // Opacity: sigmoid(logit) = alpha.
            Assert.Equal(SplatPlyExport.Alpha, 1 / (1 + Math.Exp(-F(i, 9))), 5);
            // Scales: exp gives FootprintScale times a pixel's footprint d / f across, a tenth of that along the ray.
            Assert.Equal(SplatPlyExport.FootprintScale * d / 2, Math.Exp(F(i, 10)), 5);
            Assert.Equal(SplatPlyExport.FootprintScale * d / 2, Math.Exp(F(i, 11)), 5);
            Assert.Equal(SplatPlyExport.FootprintScale * 0.1 * d / 2, Math.Exp(F(i, 12)), 5);
            // Rotation: a unit quaternion (w, x, y, z) taking +z onto the viewing ray.
            double qw = F(i, 13), qx = F(i, 14), qy = F(i, 15), qz = F(i, 16);
            Assert.Equal(1, qw * qw + qx * qx + qy * qy + qz * qz, 5);
            var ray = new Vec3(F(i, 0), F(i, 1), F(i, 2)).Normalized();
            // v' = q v q*, for v = +z: (2(xz + wy), 2(yz - wx), 1 - 2(x^2 + y^2)).
            var turned = new Vec3(2 * (qx * qz + qw * qy), 2 * (qy * qz - qw * qx), 1 - 2 * (qx * qx + qy * qy));
            Assert.True((turned - ray).Length < 1e-5, $"splat {i}: {turned} vs {ray}");
        }
    }

    [Fact]
    public void Y_up_turns_positions_and_rotations_a_half_turn_about_x()
    {
        TestTorch.Init();
        var cam = Camera.FromFov(3, 2, 60);
        using var scene = LiftFixtures.Single(rand(3, 2, 3) * 2 - 1, rand(2, 3) + 1, cam);
        var down = SplatPlyExport.Encode(scene);
        var up = SplatPlyExport.Encode(scene, yUp: true);
        var h = Encoding.ASCII.GetByteCount(SplatPlyExport.Header(6));
        Assert.Equal(down.Length, up.Length);
        float F(byte[] b, int splat, int p) => BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(h + 68 * splat + 4 * p));
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(F(down, i, 0), F(up, i, 0));
            Assert.Equal(-F(down, i, 1), F(up, i, 1));
            Assert.Equal(-F(down, i, 2), F(up, i, 2));
            for (int p = 3; p < 13; p++) Assert.Equal(F(down, i, p), F(up, i, p));
            // The turned splat's axis (+z turned by q') is the turned ray: it still points along the line of sight.
            double qw = F(up, i, 13), qx = F(up, i, 14), qy = F(up, i, 15), qz = F(up, i, 16);
            var axis = new Vec3(2 * (qx * qz + qw * qy), 2 * (qy * qz - qw * qx), 1 - 2 * (qx * qx + qy * qy));
            var ray = new Vec3(F(up, i, 0), F(up, i, 1), F(up, i, 2)).Normalized();
            Assert.True((axis - ray).Length < 1e-5, $"splat {i}: {axis} vs {ray}");
        }
    }

    [Fact]
    public void Empty_pixels_make_no_splat_and_blocks_average_their_continuous_pixels()
    {
        TestTorch.Init();
        var cam = Camera.FromFov(4, 4, 60);
        var rgb = zeros(3, 4, 4);
        var depth = full(4, 4, 2f);
        var valid = ones(4, 4);
        valid[0, 0] = tensor(0f);
        using var scene = new LayeredScene(cam, [new SceneLayer("photo", rgb, depth, valid)], "t", "t", (4, 4));
        var one = SplatPlyExport.Encode(scene);
        var two = SplatPlyExport.Encode(scene, 2);
        Assert.Equal(Encoding.ASCII.GetByteCount(SplatPlyExport.Header(15)) + 15 * 68, one.Length);
        Assert.Equal(Encoding.ASCII.GetByteCount(SplatPlyExport.Header(4)) + 4 * 68, two.Length);
    }
}
