using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class NerfFolderTests
{
    [Fact]
    public void Reads_a_hand_written_transforms_json()
    {
        TestTorch.Init();
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("images"));
        ImageFile.WritePng(tmp.File("images/a.png"), new byte[8 * 6 * 3], 8, 6, 3);
        ImageFile.WritePng(tmp.File("images/b.png"), new byte[8 * 6 * 3], 8, 6, 3);
        Npy.WriteFloat32(tmp.File("images/a.depth.npy"), Enumerable.Repeat(2f, 48).ToArray(), 6, 8);
        // Camera a: at (0, 0, 3), looking down world -z (identity rotation in OpenGL axes).
        // Camera b: blender-style path without extension, focal length from camera_angle_x.
        File.WriteAllText(tmp.File("transforms.json"), """
            {
              "camera_angle_x": 1.5707963267948966,
              "frames": [
                { "file_path": "images/a.png", "fl_x": 10, "fl_y": 11, "cx": 4.5, "cy": 3, "w": 8, "h": 6,
                  "depth_file_path": "images/a.depth.npy",
                  "transform_matrix": [[1,0,0,0],[0,1,0,0],[0,0,1,3],[0,0,0,1]] },
                { "file_path": "./images/b",
                  "transform_matrix": [[0,0,1,2],[0,1,0,0],[-1,0,0,0],[0,0,0,1]] }
              ]
            }
            """);
        var scene = NerfFolder.Read(tmp.Path);
        Assert.Equal(2, scene.Frames.Count);
        var a = scene.Frames[0].Camera;
        Assert.Equal((10.0, 11.0, 4.5, 3.0, 8, 6), (a.Fx, a.Fy, a.Cx, a.Cy, a.Width, a.Height));
        Assert.Equal(0, (a.Position - new Vec3(0, 0, 3)).Length, 12);
        Assert.Equal(0, (a.Forward - new Vec3(0, 0, -1)).Length, 12);
        // OpenGL +y up becomes OpenCV y down: a point above the axis lands in the upper half.
        Assert.True(a.Project(new Vec3(0, 0.5, 0)).V < a.Cy);
        Assert.Equal(Enumerable.Repeat(2f, 48), scene.Frames[0].LoadDepth()!);

        var b = scene.Frames[1].Camera;
        Assert.Equal(4.0, b.Fx, 9);
        Assert.Equal((4.0, 3.0), (b.Cx, b.Cy));
        Assert.Equal(0, (b.Position - new Vec3(2, 0, 0)).Length, 12);
        Assert.Equal(0, (b.Forward - new Vec3(-1, 0, 0)).Length, 12);
        Assert.Null(scene.Frames[1].DepthPath);
        Assert.EndsWith("b.png", scene.Frames[1].ImagePath);
    }

    [Fact]
    public void Missing_image_is_a_one_line_user_error()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("transforms.json"), """{"fl_x": 5, "w": 4, "h": 4, "frames": [{"file_path": "nope.png", "transform_matrix": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}]}""");
        var e = Assert.Throws<InstantViews.Runtime.UserError>(() => NerfFolder.Read(tmp.Path));
        Assert.Contains("nope.png", e.Message);
    }
}
