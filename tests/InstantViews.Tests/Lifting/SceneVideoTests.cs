using System.Diagnostics;
using InstantViews.Geometry;
using InstantViews.Imaging;
using InstantViews.Lifting;
using static TorchSharp.torch;

namespace InstantViews.Tests.Lifting;

public class SceneVideoTests
{
    public SceneVideoTests() => TestTorch.Init();

    [Fact]
    public void Paths_move_the_camera_centre_as_their_formulas_say()
    {
        var source = Camera.FromFov(64, 48, 60);
        var circle = VideoPath.Cameras(VideoPathKind.Circle, source, medianDepth: 2, frames: 4, amount: 0.1);
        // A = 0.2 m: the centre at (A cos t, A/2 sin t, 0), t = 0, pi/2, pi, 3pi/2; the view direction unchanged.
        Vec3[] want = [new(0.2, 0, 0), new(0, 0.1, 0), new(-0.2, 0, 0), new(0, -0.1, 0)];
        for (int i = 0; i < 4; i++)
        {
            Assert.True((circle[i].Position - want[i]).Length < 1e-12, $"frame {i}: {circle[i].Position}");
            Assert.Equal(Mat3.Identity, circle[i].R);
        }
        var zoom = VideoPath.Cameras(VideoPathKind.ZoomIn, source, 2, 3, 0.25);
        Assert.Equal([0.0, 0.25, 0.5], zoom.Select(c => Math.Round(c.Position.Z, 12)));
        Assert.Equal(source, zoom[0]);
    }

    [Fact]
    public void A_dolly_zoom_keeps_the_median_depth_plane_the_same_size()
    {
        var source = Camera.FromFov(64, 48, 60);
        var path = VideoPath.Cameras(VideoPathKind.DollyZoom, source, medianDepth: 3, frames: 5);
        // A point on the median-depth plane, off the axis, lands on the same pixel in every frame; a nearer one does not.
        var onPlane = new Vec3(0.7, -0.4, 3);
        var nearer = new Vec3(0.7, -0.4, 1.5);
        double PixelX(Camera c, Vec3 p) { var q = c.WorldToCamera.Apply(p); return c.Fx * q.X / q.Z + c.Cx; }
        Assert.All(path, c => Assert.Equal(PixelX(source, onPlane), PixelX(c, onPlane), 9));
        Assert.True(Math.Abs(PixelX(path[^1], nearer) - PixelX(source, nearer)) > 1);
        Assert.True(path[^1].Position.Z < -1, "the camera moves back");
    }

    [Fact]
    public void A_video_has_every_frame_and_a_zoom_starts_from_the_photo()
    {
        // A two-plane scene with a gradient photo; the zoom-in's first frame is the source camera: the photo itself.
        var (rgb, depth, camera) = LiftFixtures.TwoPlanes(48, 32);
        using var scene = LiftFixtures.Single(rgb, depth, camera);
        using var dir = new TempDir();
        var cameras = VideoPath.Cameras(VideoPathKind.ZoomIn, scene.Camera, scene.MedianDepth, 6);
        var result = SceneVideo.Render(scene, cameras, dir.File("zoom.mp4"), AnimationFormat.Mp4, 40);
        Assert.Equal((6, 48, 32), (result.Frames, result.Width, result.Height));
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", dir.File("zoom.mp4") }) start.ArgumentList.Add(a);
        using var probe = Process.Start(start)!;
        var text = probe.StandardOutput.ReadToEnd().Trim();
        probe.WaitForExit();
        Assert.Equal("48,32,6", text);
        var (first, coverage) = new LayeredSceneRenderer(scene).Render(cameras[0]);
        Assert.Equal(1, coverage.mean().item<float>(), 6);
        Assert.True((first - rgb).abs().max().item<float>() < 1e-4);
        // Side-by-side stereo doubles the width; the eyes see the near plane shifted against each other.
        var sbs = SceneVideo.Render(scene, cameras.Take(2).ToList(), dir.File("sbs.gif"), AnimationFormat.Gif, 40, eyeDistance: 0.065);
        Assert.Equal((2, 96, 32), (sbs.Frames, sbs.Width, sbs.Height));
        var (left, right) = VideoPath.Eyes(cameras[0], 0.065);
        Assert.Equal(0.065, (right.Position - left.Position).Length, 12);
    }
}
