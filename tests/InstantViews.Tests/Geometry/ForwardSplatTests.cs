using InstantViews.Geometry;
using InstantViews.Runtime;
using InstantViews.Scenes;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace InstantViews.Tests.Geometry;

public class ForwardSplatTests
{
    readonly ITestOutputHelper output;

    public ForwardSplatTests(ITestOutputHelper output)
    {
        TestTorch.Init();
        this.output = output;
    }

    static Camera Cam(int w, int h) => Camera.FromFov(w, h, 60).LookAt(new Vec3(0, 0, 0), new Vec3(0, 0, 1));

    [Fact]
    public void Identity_camera_returns_the_input_exactly_with_no_holes()
    {
        var cam = Cam(40, 24) with { Cx = 19.3, Fy = 30 };
        var features = rand(5, 24, 40);
        var depth = rand(24, 40) * 4 + 0.5;
        using var r = ForwardSplat.Warp(features, depth, cam, cam);
        Assert.Equal(0, r.HoleMask.sum().item<float>());
        Assert.True((r.Warped - features).abs().max().item<float>() < 1e-6);
        Assert.True((r.Depth - depth).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Pure_rotation_leaves_no_holes_where_the_views_overlap()
    {
        var src = Cam(48, 48);
        var tgt = src.WithPose(new RigidTransform(Mat3.RotationY(0.15) * Mat3.RotationX(0.05), Vec3.Zero));
        var depth = rand(48, 48) * 3 + 1;
        using var r = ForwardSplat.Warp(rand(3, 48, 48), depth, src, tgt);
        // Target pixels whose ray lands inside the source image (with a one-pixel margin) must all be filled.
        int checkedPixels = 0;
        var hole = r.HoleMask.data<float>().ToArray();
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 48; x++)
            {
                var world = tgt.Unproject(x + 0.5, y + 0.5, 1);
                var (u, v, z) = src.Project(world);
                if (z <= 0 || u < 1 || v < 1 || u > 47 || v > 47) continue;
                checkedPixels++;
                Assert.Equal(0, hole[y * 48 + x]);
            }
        Assert.True(checkedPixels > 48 * 48 / 2);
        Assert.InRange(r.VisibleFraction, 0.5, 0.999);
    }

    [Fact]
    public void Near_object_hides_far_object()
    {
        // A far wall (value 0, 5 m) with a near square (value 1, 1 m) in front; the target moves sideways so
        // both land on the same target pixels: the near one must win.
        int w = 32, h = 32;
        var src = Cam(w, h);
        var depth = full(h, w, 5f);
        var feat = zeros(1, h, w);
        depth[TensorIndex.Slice(12, 20), TensorIndex.Slice(12, 20)] = tensor(1f);
        feat[0, TensorIndex.Slice(12, 20), TensorIndex.Slice(12, 20)] = tensor(1f);
        var tgt = src.WithPose(new RigidTransform(Mat3.Identity, new Vec3(0.2, 0, 0)));
        using var r = ForwardSplat.Warp(feat, depth, src, tgt);
        // The near square moves right by fx * 0.2 / 1 ~ 5.5 px (camera centre at -t), the wall by ~1.1 px: over the wall.
        var centre = r.Warped[0, TensorIndex.Slice(14, 18), TensorIndex.Slice(19, 25)];
        Assert.True(centre.min().item<float>() > 0.999f, $"near object lost: min {centre.min().item<float>()}");
        Assert.True((r.Depth[TensorIndex.Slice(14, 18), TensorIndex.Slice(19, 25)] - 1).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void Non_square_images_and_a_different_target_size_warp_correctly()
    {
        // 48 wide, 32 high; a plane at 2 m moved sideways lands shifted by fx * dx / z pixels in x only.
        int w = 48, h = 32;
        var src = Camera.FromFov(w, h, 60);
        var depth = full(h, w, 2f);
        var xs = arange(w, ScalarType.Float32).view(1, 1, w).expand(1, h, w);
        var ys = arange(h, ScalarType.Float32).view(1, h, 1).expand(1, h, w);
        var feat = cat([xs, ys], 0);
        var shift = 3.0;
        var tgt = src.WithPose(new RigidTransform(Mat3.Identity, new Vec3(shift * 2 / src.Fx, 0, 0)));
        using var r = ForwardSplat.Warp(feat, depth, src, tgt);
        var inner = r.Warped[.., .., TensorIndex.Slice(4, w - 1)];
        Assert.True((inner[0] - (arange(4, w - 1, ScalarType.Float32) - shift).view(1, -1)).abs().max().item<float>() < 1e-3);
        Assert.True((inner[1] - arange(h, ScalarType.Float32).view(-1, 1)).abs().max().item<float>() < 1e-3);
        Assert.Equal(1, r.HoleMask[0, 1].item<float>());
        // A target camera of another size (same field of view, 24x16) sees the same content, halved.
        using var small = ForwardSplat.Warp(feat, depth, src, src.Scaled(24, 16));
        Assert.Equal([2L, 16, 24], small.Warped.shape);
        Assert.Equal(0, small.HoleMask.sum().item<float>());
        Assert.True((small.Warped[0, 5, 7] - 14.5f).abs().item<float>() < 1e-3);
    }

    [Fact]
    public void Gradient_flows_to_the_source_features()
    {
        var cam = Cam(16, 12);
        var tgt = cam.WithPose(new RigidTransform(Mat3.RotationY(0.05), new Vec3(0.05, 0, 0)));
        var feat = rand(3, 12, 16).requires_grad_(true);
        using var r = ForwardSplat.Warp(feat, rand(12, 16) + 1, cam, tgt);
        r.Warped.sum().backward();
        Assert.NotNull(feat.grad);
        Assert.True(feat.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Batched_warp_matches_single_warps()
    {
        var a = Cam(20, 16);
        var b = a.WithPose(new RigidTransform(Mat3.RotationY(0.1), new Vec3(0.1, 0, 0)));
        var feats = rand(2, 3, 16, 20);
        var depth = rand(2, 16, 20) + 1;
        using var batch = ForwardSplat.Warp(feats, depth, [a, a], [b, a]);
        using var one = ForwardSplat.Warp(feats[0], depth[0], a, b);
        Assert.True((batch.Warped[0] - one.Warped).abs().max().item<float>() < 1e-5);
        Assert.True((batch.Warped[1] - feats[1]).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Loop_form_equals_the_tensor_form()
    {
        // Two items, a target of another size, a translation large enough to push points behind the camera and
        // off the image, and occlusions: the CPU loops and the differentiable tensor form must agree.
        var g = new Generator(5);
        var a = Cam(37, 23);
        var b = Camera.FromFov(30, 26, 70).WithPose(new RigidTransform(Mat3.RotationY(0.4) * Mat3.RotationX(-0.1), new Vec3(0.6, -0.2, 1.5)));
        var c = a.WithPose(new RigidTransform(Mat3.RotationX(0.05), new Vec3(-0.1, 0, 0))).Scaled(30, 26);
        var feats = rand(new long[] { 2, 4, 23, 37 }, generator: g);
        var depth = rand(new long[] { 2, 23, 37 }, generator: g) * 3 + 0.5;
        var options = new SplatOptions { Alpha = 7 };
        using var loops = ForwardSplat.Warp(feats, depth, [a, a], [b, c], options);
        using var tensors = ForwardSplat.TensorWarp(feats, depth, [a, a], [b, c], options);
        Assert.Equal(new long[] { 2, 4, 26, 30 }, loops.Warped.shape);
        Assert.Equal(tensors.HoleMask.shape, loops.HoleMask.shape);
        Assert.True(loops.HoleMask.eq(tensors.HoleMask).all().item<bool>());
        var holes = tensors.HoleMask.sum().item<float>();
        Assert.InRange(holes, 50, 2 * 26 * 30 - 50); // both holes and landed points are exercised
        Assert.True((loops.Warped - tensors.Warped).abs().max().item<float>() < 1e-4);
        Assert.True((loops.Depth - tensors.Depth).abs().max().item<float>() < 1e-4);
        // With gradients wanted, the tensor form is used.
        var wanted = feats.clone().requires_grad_(true);
        using var grad = ForwardSplat.Warp(wanted, depth, [a, a], [b, c], options);
        Assert.True(grad.Warped.requires_grad);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Loop_form_equals_the_tensor_form_for_a_photo_split_into_bands(int channels)
    {
        // 240x300 = 72,000 points: the loops accumulate in parallel bands of target rows (three channels unrolled).
        var g = new Generator(6);
        var a = Cam(300, 240);
        var b = a.WithPose(new RigidTransform(Mat3.RotationY(0.15) * Mat3.RotationX(0.05), new Vec3(-0.3, 0.1, 0.2)));
        var feats = rand(new long[] { 1, channels, 240, 300 }, generator: g);
        var depth = rand(new long[] { 1, 240, 300 }, generator: g) * 3 + 0.5;
        var options = new SplatOptions { Alpha = 7 };
        using var loops = ForwardSplat.Warp(feats, depth, [a], [b], options);
        using var tensors = ForwardSplat.TensorWarp(feats, depth, [a], [b], options);
        Assert.True(loops.HoleMask.eq(tensors.HoleMask).all().item<bool>());
        Assert.InRange(tensors.HoleMask.sum().item<float>(), 500, 240 * 300 - 500);
        Assert.True((loops.Warped - tensors.Warped).abs().max().item<float>() < 1e-4);
        Assert.True((loops.Depth - tensors.Depth).abs().max().item<float>() < 1e-4);
        // A depth map validated by the caller takes the same loops (default options).
        using var checkedDepth = ForwardSplat.Warp(feats[0], depth[0], a, b);
        using var validated = ForwardSplat.WarpValidated(feats[0], depth[0], a, b);
        Assert.True(TensorAssert.Same(validated.Warped, checkedDepth.Warped));
        Assert.True(TensorAssert.Same(validated.HoleMask, checkedDepth.HoleMask));
    }

    [Fact]
    public void A_validated_depth_still_has_its_cameras_and_sizes_checked_and_a_gradient_keeps_the_tensor_form()
    {
        var cam = Cam(20, 12);
        var feats = rand(3, 12, 20);
        var depth = full(12, 20, 2f);
        var bad = cam with { Fx = double.NaN };
        Assert.Equal("source camera: K or [R|t] holds NaN or infinite values", Assert.Throws<UserError>(() => ForwardSplat.WarpValidated(feats, depth, bad, cam)).Message);
        Assert.Equal("target camera: K or [R|t] holds NaN or infinite values", Assert.Throws<UserError>(() => ForwardSplat.WarpValidated(feats, depth, cam, bad)).Message);
        // Each size that disagrees, alone.
        Assert.StartsWith("source camera 20x12, features [3, 12, 21]", Assert.Throws<ArgumentException>(() => ForwardSplat.WarpValidated(rand(3, 12, 21), full(12, 21, 2f), cam, cam)).Message);
        Assert.StartsWith("source camera 20x12, features [3, 13, 20]", Assert.Throws<ArgumentException>(() => ForwardSplat.WarpValidated(rand(3, 13, 20), full(13, 20, 2f), cam, cam)).Message);
        Assert.EndsWith("depth [11, 20] disagree", Assert.Throws<ArgumentException>(() => ForwardSplat.WarpValidated(feats, full(11, 20, 2f), cam, cam)).Message);
        Assert.EndsWith("depth [12, 19] disagree", Assert.Throws<ArgumentException>(() => ForwardSplat.WarpValidated(feats, full(12, 19, 2f), cam, cam)).Message);
        // Features that want a gradient take the differentiable form, on one thread or several alike.
        using var withGrad = ForwardSplat.WarpValidated(feats.clone().requires_grad_(true), depth, cam, cam.WithPose(new RigidTransform(Mat3.RotationY(0.05), Vec3.Zero)));
        Assert.True(withGrad.Warped.requires_grad);
        using var one = ForwardSplat.WarpValidated(feats, depth, cam, cam, parallel: false);
        Assert.True((one.Warped - feats).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Target_facing_away_gives_an_all_hole_result()
    {
        var cam = Cam(16, 16);
        var away = cam.WithPose(new RigidTransform(Mat3.RotationY(Math.PI), Vec3.Zero));
        using var r = ForwardSplat.Warp(rand(3, 16, 16), full(16, 16, 2f), cam, away);
        Assert.True(r.IsEmpty);
        Assert.Equal(0, r.VisibleFraction);
        Assert.Equal(0, r.Warped.abs().sum().item<float>());
    }

    [Fact]
    public void Bad_depth_and_singular_cameras_are_clear_errors()
    {
        var cam = Cam(16, 12);
        var f = rand(3, 12, 16);
        Assert.Contains("expected [12, 16]", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, ones(16, 12), cam, cam)).Message);
        var nan = ones(12, 16);
        nan[3, 4] = tensor(float.NaN);
        Assert.Contains("1 NaN", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, nan, cam, cam)).Message);
        var inf = ones(12, 16);
        inf[0, 0] = tensor(float.PositiveInfinity);
        Assert.Contains("infinite", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, inf, cam, cam)).Message);
        Assert.Contains("<= 0", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, -ones(12, 16), cam, cam)).Message);
        Assert.Contains("singular", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, ones(12, 16), cam, cam with { Fx = 0 })).Message);
        var squashed = cam with { R = new Mat3(1, 0, 0, 0, 1, 0, 0, 0, 0) };
        Assert.Contains("not a rotation", Assert.Throws<UserError>(() => ForwardSplat.Warp(f, ones(12, 16), cam, squashed)).Message);
        Assert.Contains("12x16", Assert.Throws<UserError>(() => ForwardSplat.Warp(rand(3, 16, 12), ones(16, 12), cam, cam)).Message);
    }

    [Fact]
    public void Bad_shapes_counts_and_cameras_are_refused_with_messages_naming_them()
    {
        var cam = Cam(16, 12);
        string Error(Action warp) => Assert.Throws<UserError>(warp).Message;
        var f = rand(3, 12, 16);
        Assert.Equal("features must be [C, H, W], got [12, 16]", Error(() => ForwardSplat.Warp(rand(12, 16), ones(12, 16), cam, cam)));
        Assert.Equal("batched features must be [N, C, H, W], got [3, 12, 16]", Error(() => ForwardSplat.Warp(f, ones(1, 12, 16), [cam], [cam])));
        // A single image's depth is named by its own shape, whichever dimension is off.
        foreach (var shape in new long[][] { [12, 15], [11, 16], [12, 16, 1] })
            Assert.Equal($"source: depth is [{string.Join(", ", shape)}], expected [12, 16] to match the image",
                Error(() => ForwardSplat.Warp(f, ones(shape), cam, cam)));
        var batch = rand(2, 3, 12, 16);
        Assert.Equal("source: depth is [2, 12, 15], expected [2, 12, 16] to match the image", Error(() => ForwardSplat.Warp(batch, ones(2, 12, 15), [cam], [cam])));
        Assert.Equal("3 source cameras for a batch of 2", Error(() => ForwardSplat.Warp(batch, ones(2, 12, 16), [cam, cam, cam], [cam])));
        Assert.Equal("3 target cameras for a batch of 2", Error(() => ForwardSplat.Warp(batch, ones(2, 12, 16), [cam], [cam, cam, cam])));
        Assert.StartsWith("source camera: singular intrinsics", Error(() => ForwardSplat.Warp(f, ones(12, 16), cam with { Fy = 0 }, cam)));
        Assert.StartsWith("target camera: singular intrinsics", Error(() => ForwardSplat.Warp(f, ones(12, 16), cam, cam with { Fy = 0 })));
        // Only the height differs from the features'.
        Assert.Equal("source camera is for 16x12 images, the features are 16x14", Error(() => ForwardSplat.Warp(rand(3, 14, 16), ones(14, 16), cam, cam)));
        // Targets of one batch that differ only in width.
        Assert.Equal("all target cameras of a batch must share one image size", Error(() => ForwardSplat.Warp(batch, ones(2, 12, 16), [cam], [cam, cam.Scaled(20, 12)])));
    }

    [Fact]
    public void Tensor_form_drops_points_behind_the_target_and_off_its_image_as_the_loops_do()
    {
        // The target steps 1 m forward: a near block (0.4 m) ends up behind it, right where it would project inside the
        // image if its depth were ignored; near border columns (1.5 m) land off the image, where they must not count
        // towards the depth range that normalises the softmax weights. Loops and tensors must still agree.
        var cam = Cam(24, 20);
        var depth = full(20, 24, 3f);
        depth[TensorIndex.Slice(7, 13), TensorIndex.Slice(9, 15)] = tensor(0.4f);
        depth[.., TensorIndex.Slice(0, 2)] = tensor(1.5f);
        depth[.., TensorIndex.Slice(22, 24)] = tensor(1.5f);
        depth[TensorIndex.Slice(0, 2), ..] = tensor(1.2f);
        depth[TensorIndex.Slice(18, 20), ..] = tensor(1.2f);
        var feats = rand(new long[] { 1, 3, 20, 24 }, generator: new Generator(2));
        var forward = cam.WithPose(new RigidTransform(Mat3.Identity, new Vec3(0.02, 0.01, -1)));
        var options = new SplatOptions { Alpha = 4 };
        using var loops = ForwardSplat.Warp(feats, depth.unsqueeze(0), [cam], [forward], options);
        using var tensors = ForwardSplat.TensorWarp(feats, depth.unsqueeze(0), [cam], [forward], options);
        Assert.True(loops.HoleMask.eq(tensors.HoleMask).all().item<bool>());
        Assert.True((loops.Warped - tensors.Warped).abs().max().item<float>() < 1e-5);
        Assert.True((loops.Depth - tensors.Depth).abs().max().item<float>() < 1e-5);
        // Nothing visible is nearer than the wall's 2 m: the block is dropped, not drawn.
        Assert.True(tensors.Depth.masked_select(tensors.HoleMask.eq(0)).min().item<float>() > 1.99f);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, false, true)]
    [InlineData(false, true, false)]
    [InlineData(false, true, true)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void A_point_landing_exactly_on_the_border_line_is_dropped_and_leaves_the_depth_range_alone(bool tensorForm, bool vertical, bool farEdge)
    {
        // A line of 12 pixels (a row, or a column), focal length 10; the target moves 0.2 m along the line and its
        // principal point 5 pixels back, so a point at depth d lands 2/d - 5 pixels from its own place (exactly, once
        // snapped). Pixel 0 (depth 0.5) lands at -1, on the border line, and is dropped; pixels 6 (depth 1, value 1) and
        // 7 (depth 2, value 0) land together on pixel 3; the rest (depth 2, value 0) 4 pixels back. The depth range is
        // that of the points kept: inverse depth 0.5 to 1, so pixel 3 weighs them exp(0) : exp(-1) (alpha 1) and is
        // 1 / (1 + e^-1) = 0.731; had the dropped point counted (inverse depth 2), 1 / (1 + e^(-1/3)) = 0.583.
        // Mirrored (the far edge): pixel 11 lands on 12, the line's end, and pixels 5 and 4 on pixel 8.
        const int n = 12;
        var depths = Enumerable.Repeat(2f, n).ToArray();
        var values = new float[n];
        (depths[0], depths[6], values[6]) = (0.5f, 1f, 1f);
        int shared = 3;
        double shift = 0.2, principal = -5;
        if (farEdge)
        {
            Array.Reverse(depths);
            Array.Reverse(values);
            (shared, shift, principal) = (n - 1 - shared, -shift, -principal);
        }
        var (w, h) = vertical ? (1, n) : (n, 1);
        var source = new Camera(10, 10, w / 2.0, h / 2.0, w, h, Mat3.Identity, Vec3.Zero);
        var target = (vertical ? source with { Cy = source.Cy + principal } : source with { Cx = source.Cx + principal })
            .WithPose(new RigidTransform(Mat3.Identity, vertical ? new Vec3(0, shift, 0) : new Vec3(shift, 0, 0)));
        var depth = tensor(depths).view(1, h, w);
        var features = tensor(values).view(1, 1, h, w);
        var options = new SplatOptions { Alpha = 1 };
        using var r = tensorForm ? ForwardSplat.TensorWarp(features, depth, [source], [target], options) : ForwardSplat.Warp(features, depth, [source], [target], options);
        var warped = r.Warped.flatten().data<float>().ToArray();
        var depthOut = r.Depth.flatten().data<float>().ToArray();
        var (near, far) = (1.0, Math.Exp(-1));
        Assert.Equal(near / (near + far), warped[shared], 5);
        Assert.Equal((near * 1 + far * 2) / (near + far), depthOut[shared], 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Points_at_exactly_the_least_depth_are_dropped_and_exactly_the_least_coverage_is_kept(bool tensorForm)
    {
        // The identity camera: every point lands on its own pixel at its own depth (2 m), with coverage exactly 1.
        var cam = Cam(10, 8);
        var features = rand(new long[] { 1, 3, 8, 10 }, generator: new Generator(11));
        var depth = full(1, 8, 10, 2f);
        SplatResult Warp(SplatOptions o) => tensorForm ? ForwardSplat.TensorWarp(features, depth, [cam], [cam], o) : ForwardSplat.Warp(features, depth, [cam], [cam], o);
        using (var atLeast = Warp(new SplatOptions { MinDepth = 2 })) Assert.Equal(80, atLeast.HoleMask.sum().item<float>());
        using (var under = Warp(new SplatOptions { MinDepth = 1.999 })) Assert.Equal(0, under.HoleMask.sum().item<float>());
        using (var covered = Warp(new SplatOptions { MinCoverage = 1 }))
        {
            Assert.Equal(0, covered.HoleMask.sum().item<float>());
            Assert.True((covered.Warped - features).abs().max().item<float>() < 1e-6);
        }
        using (var short_ = Warp(new SplatOptions { MinCoverage = 1.001 })) Assert.Equal(80, short_.HoleMask.sum().item<float>());
    }

    [Fact]
    public void The_loops_take_float32_features_on_the_cpu_that_want_no_gradient()
    {
        var f = zeros(1, 3, 4, 4);
        Assert.True(SplatLoops.Applies(f));
        Assert.False(SplatLoops.Applies(f.to_type(ScalarType.Float64)));
        var wanting = f.clone().requires_grad_(true);
        Assert.False(SplatLoops.Applies(wanting));
        using (no_grad()) Assert.True(SplatLoops.Applies(wanting));
        // Float64 features take the tensor form and give the float32 result.
        var cam = Cam(10, 8);
        var moved = cam.WithPose(new RigidTransform(Mat3.RotationY(0.05), new Vec3(0.1, 0, 0)));
        var features = rand(new long[] { 1, 3, 8, 10 }, generator: new Generator(12));
        var depth = rand(new long[] { 1, 8, 10 }, generator: new Generator(13)) * 2 + 1;
        using var single = ForwardSplat.Warp(features, depth, [cam], [moved]);
        using var dbl = ForwardSplat.Warp(features.to_type(ScalarType.Float64), depth, [cam], [moved]);
        Assert.True(TensorAssert.Same(single.HoleMask, dbl.HoleMask.to_type(ScalarType.Float32)));
        Assert.True((single.Warped - dbl.Warped.to_type(ScalarType.Float32)).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_sharp_softmax_stays_finite_and_the_nearest_point_wins(bool tensorForm)
    {
        // Alpha = 100: weights exp(100 (s - 1)) lie in [e^-100, 1], so nothing overflows float32 and the near square
        // takes its target pixels entirely (values 1, depth 1 m), while the wall shows elsewhere.
        int w = 32, h = 32;
        var src = Cam(w, h);
        var depth = full(1, h, w, 5f);
        var feat = zeros(1, 1, h, w);
        depth[0, TensorIndex.Slice(12, 20), TensorIndex.Slice(12, 20)] = tensor(1f);
        feat[0, 0, TensorIndex.Slice(12, 20), TensorIndex.Slice(12, 20)] = tensor(1f);
        var tgt = src.WithPose(new RigidTransform(Mat3.Identity, new Vec3(0.2, 0, 0)));
        var options = new SplatOptions { Alpha = 100 };
        using var r = tensorForm ? ForwardSplat.TensorWarp(feat, depth, [src], [tgt], options) : ForwardSplat.Warp(feat, depth, [src], [tgt], options);
        Assert.True(r.Warped.isfinite().all().item<bool>() && r.Depth.isfinite().all().item<bool>());
        var centre = r.Warped[0, 0, TensorIndex.Slice(14, 18), TensorIndex.Slice(19, 25)];
        Assert.True((centre - 1).abs().max().item<float>() < 1e-6);
        Assert.True((r.Depth[0, TensorIndex.Slice(14, 18), TensorIndex.Slice(19, 25)] - 1).abs().max().item<float>() < 1e-5);
        Assert.True(r.Warped[0, 0, TensorIndex.Slice(2, 8), TensorIndex.Slice(2, 8)].abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Tensor_form_returns_the_input_exactly_at_the_identity_camera()
    {
        // Exact hits stay exact: float noise in the projection must not leak a sliver of a neighbour into a pixel.
        var cam = Cam(40, 24) with { Cx = 19.3, Fy = 30 };
        var features = rand(new long[] { 1, 5, 24, 40 }, generator: new Generator(4)) * 100;
        var depth = rand(new long[] { 1, 24, 40 }, generator: new Generator(5)) * 40 + 0.5;
        using var r = ForwardSplat.TensorWarp(features, depth, [cam], [cam], new SplatOptions());
        Assert.Equal(0, r.HoleMask.sum().item<float>());
        Assert.True((r.Warped - features).abs().max().item<float>() < 1e-4);
        Assert.True((r.Depth - depth).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Ground_truth_depth_reproduces_a_rendered_target_where_visible()
    {
        const int size = 64;
        var scene = SceneGenerator.Generate(SceneStream.EvalSeedStart + 7);
        var intrinsics = Camera.FromFov(size, size, new SceneConfig().FovXDegrees);
        var source = CameraPaths.RandomPose(scene, intrinsics, new SceneRandom(scene.Seed, 1));
        var move = new RigidTransform(Mat3.RotationY(0.06), new Vec3(-0.08, 0.02, 0.05));
        var target = source.WithPose(source.WorldToCamera.Then(move));
        var s = Renderer.Render(scene, source, 64);
        var t = Renderer.Render(scene, target, 64);
        using var r = ForwardSplat.Warp(s.RgbTensor(), s.DepthTensor(), source, target);

        // Covisible: the target pixel's surface point projects inside the source at the depth the source saw there,
        // and it is not on a depth edge (where pixels mix surfaces in both renders).
        var warped = r.Warped.data<float>().ToArray();
        var truth = t.RgbTensor().data<float>().ToArray();
        double se = 0;
        int count = 0;
        for (int y = 1; y < size - 1; y++)
            for (int x = 1; x < size - 1; x++)
            {
                var i = y * size + x;
                var d = t.Depth[i];
                if (Math.Abs(t.Depth[i - 1] - d) > 0.05 * d || Math.Abs(t.Depth[i + 1] - d) > 0.05 * d
                    || Math.Abs(t.Depth[i - size] - d) > 0.05 * d || Math.Abs(t.Depth[i + size] - d) > 0.05 * d) continue;
                var (u, v, z) = source.Project(target.Unproject(x + 0.5, y + 0.5, d));
                if (z <= 0 || u < 1 || v < 1 || u >= size - 1 || v >= size - 1) continue;
                var sd = s.Depth[(int)v * size + (int)u];
                if (Math.Abs(sd - z) > 0.03 * z) continue;
                for (int ch = 0; ch < 3; ch++)
                {
                    var e = (warped[ch * size * size + i] - truth[ch * size * size + i]) / 2;
                    se += e * e;
                }
                count++;
            }
        Assert.True(count > size * size / 3, $"only {count} covisible pixels");
        var psnr = 10 * Math.Log10(1 / (se / (3 * count)));
        output.WriteLine($"PSNR {psnr:0.00} dB on {count} covisible pixels");
        Assert.True(psnr > 30, $"PSNR on covisible pixels {psnr:0.00} dB");
    }

    [Fact]
    public void Repeated_warps_inside_a_scope_keep_the_live_tensor_count_flat()
    {
        var cam = Cam(16, 16);
        var tgt = cam.WithPose(new RigidTransform(Mat3.RotationY(0.1), new Vec3(0.1, 0, 0)));
        using var feat = rand(3, 16, 16);
        using var depth = rand(16, 16) + 1;
        long Once()
        {
            using var scope = NewDisposeScope();
            ForwardSplat.Warp(feat, depth, cam, tgt);
            return TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        for (int i = 0; i < 5; i++) Once();
        var before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 100; i++) Once();
        var after = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 2, $"live tensors grew from {before} to {after}");
    }
}
