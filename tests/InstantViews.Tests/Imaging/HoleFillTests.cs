using InstantViews.Imaging;
using static TorchSharp.torch;

namespace InstantViews.Tests.Imaging;

public class HoleFillTests
{
    static Tensor Ramp(int h, int w)
    {
        var ys = arange(h).to_type(ScalarType.Float32).view(-1, 1).expand(h, w);
        var xs = arange(w).to_type(ScalarType.Float32).view(1, -1).expand(h, w);
        return stack([0.01f * xs - 0.02f * ys + 0.3f, 0.005f * xs + 0.01f * ys - 0.5f, 0.02f * xs]).contiguous();
    }

    [Fact]
    public void The_harmonic_fill_of_a_hole_in_a_linear_ramp_is_the_ramp()
    {
        TestTorch.Init();
        var truth = Ramp(40, 48);
        var holes = zeros(40, 48);
        holes[TensorIndex.Slice(10, 30), TensorIndex.Slice(12, 36)] = tensor(1f);
        var damaged = truth.clone();
        damaged[TensorIndex.Colon, TensorIndex.Slice(10, 30), TensorIndex.Slice(12, 36)] = tensor(0.9f);
        var filled = HoleFill.Harmonic(damaged, holes, iterations: 200);
        // A linear function is harmonic: the discrete Laplace equation with the ramp's border has the ramp as its solution.
        Assert.True(filled.sub(truth).abs().max().item<float>() < 2e-3f, $"max error {filled.sub(truth).abs().max().item<float>()}");
        // Known pixels are untouched.
        Assert.Equal(0f, (filled - damaged).mul(1 - holes).abs().max().item<float>());
    }

    [Fact]
    public void The_harmonic_fill_of_a_hole_between_two_levels_is_their_straight_interpolation()
    {
        TestTorch.Init();
        // Columns 0-9 are 0, columns 30-39 are 1, the band between is a hole: the solution is linear across it.
        var image = zeros(1, 16, 40);
        image[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(30, 40)] = tensor(1f);
        var holes = zeros(16, 40);
        holes[TensorIndex.Colon, TensorIndex.Slice(10, 30)] = tensor(1f);
        var filled = HoleFill.Harmonic(image, holes, iterations: 2000);
        for (int x = 10; x < 30; x++)
            Assert.True(Math.Abs(filled[0, 8, x].item<float>() - (x - 9) / 21f) < 2e-3f, $"x {x}: {filled[0, 8, x].item<float>()} vs {(x - 9) / 21f}");
    }

    [Fact]
    public void Blocked_pixels_are_a_reflecting_wall_so_the_hole_takes_the_far_side_alone()
    {
        TestTorch.Init();
        // Columns 0-9 are an occluder (5), columns 30-39 the far side, linear in y; rows 0-1 and 14-15 are known and
        // carry the same linear values over the hole (columns 10-29, rows 2-13). Blocking the occluder's pixels leaves
        // Neumann conditions on that side: the exact solution is the far side's linear function, constant in x.
        var (h, w) = (16, 40);
        var ys = arange(h).to_type(ScalarType.Float32).view(-1, 1).expand(h, w) * 0.05f - 0.4f;
        var image = ys.clone().unsqueeze(0).contiguous();
        image[0, TensorIndex.Colon, TensorIndex.Slice(0, 10)] = tensor(5f);
        var holes = zeros(h, w);
        holes[TensorIndex.Slice(2, 14), TensorIndex.Slice(10, 30)] = tensor(1f);
        var blocked = zeros(h, w, dtype: ScalarType.Bool);
        blocked[TensorIndex.Colon, TensorIndex.Slice(0, 10)] = tensor(true);
        var damaged = image.clone();
        damaged[0, TensorIndex.Slice(2, 14), TensorIndex.Slice(10, 30)] = tensor(0.7f);
        var far = HoleFill.Harmonic(damaged, holes, blocked: blocked); // the default sweeps: over-relaxed, they converge
        var inHole = far[0, TensorIndex.Slice(2, 14), TensorIndex.Slice(10, 30)] - ys[TensorIndex.Slice(2, 14), TensorIndex.Slice(10, 30)];
        Assert.True(inHole.abs().max().item<float>() < 1e-4f, $"max error {inHole.abs().max().item<float>()}");
        // Known pixels, blocked ones included, keep their values.
        Assert.Equal(0f, (far - damaged).mul(1 - holes).abs().max().item<float>());
        // Without the wall the occluder's 5 pulls the hole up: the plain fill is far from the far side's values.
        var plain = HoleFill.Harmonic(damaged, holes, iterations: 2000);
        Assert.True(plain[0, 8, 12].item<float>() > 2f, $"{plain[0, 8, 12].item<float>()}");
        // A blocked mask that blocks hole pixels only changes nothing; one that blocks every known pixel is refused.
        Assert.True(TensorAssert.Same(HoleFill.Harmonic(damaged, holes, iterations: 50, blocked: holes.gt(0.5f)), HoleFill.Harmonic(damaged, holes, iterations: 50)));
        Assert.Throws<ArgumentException>(() => HoleFill.Harmonic(damaged, holes, blocked: ones(h, w)));
        Assert.Throws<ArgumentException>(() => HoleFill.Harmonic(damaged, holes, blocked: ones(h, w - 1)));
    }

    [Fact]
    public void The_nearest_fill_takes_the_closest_known_pixel()
    {
        TestTorch.Init();
        var image = zeros(2, 6, 12);
        image[0, TensorIndex.Colon, TensorIndex.Slice(0, 3)] = tensor(-1f);
        image[0, TensorIndex.Colon, TensorIndex.Slice(9, 12)] = tensor(1f);
        image[1] = tensor(0.5f);
        var holes = zeros(6, 12);
        holes[TensorIndex.Colon, TensorIndex.Slice(3, 9)] = tensor(1f);
        var filled = HoleFill.Nearest(image, holes);
        for (int x = 3; x < 9; x++)
            Assert.Equal(x < 6 ? -1f : 1f, filled[0, 2, x].item<float>());
        Assert.Equal(0.5f, filled[1].min().item<float>());
        Assert.Equal(0.5f, filled[1].max().item<float>());
    }

    [Fact]
    public void No_holes_changes_nothing_and_no_known_pixel_or_a_wrong_mask_is_refused()
    {
        TestTorch.Init();
        var image = rand(3, 8, 8);
        Assert.Equal(0f, HoleFill.Harmonic(image, zeros(8, 8)).sub(image).abs().max().item<float>());
        Assert.Equal(0f, HoleFill.Nearest(image, zeros(8, 8)).sub(image).abs().max().item<float>());
        Assert.Throws<ArgumentException>(() => HoleFill.Harmonic(image, ones(8, 8)));
        Assert.Throws<ArgumentException>(() => HoleFill.Nearest(image, ones(8, 8)));
        Assert.Throws<ArgumentException>(() => HoleFill.Harmonic(image, zeros(8, 7)));
    }
    [Theory]
    [InlineData(37, 29, 0.3, 1)]
    [InlineData(64, 41, 0.7, 2)]
    [InlineData(7, 9, 0.5, 3)]
    public void The_harmonic_fill_is_the_tensor_form_of_its_coarse_to_fine_solve(int h, int w, double holeShare, int seed)
    {
        // The loops (hole pixels only) against the whole-image tensor arithmetic they replace: 2x2 means of the known
        // pixels, nearest upsampling, Jacobi sweeps with the border replicated, at every size.
        var g = new TorchSharp.torch.Generator((ulong)seed);
        var image = rand(3, h, w, generator: g) * 2 - 1;
        var holes = rand(h, w, generator: g).lt((float)holeShare).to_type(ScalarType.Float32);
        holes[0, 0] = tensor(0f); // one known pixel at least
        holes[(h / 3).., (w / 4)..(w / 2)] = tensor(1f); // and a wide hole
        var got = HoleFill.Harmonic(image, holes, 20);
        var expected = TensorForm(image, holes, 20);
        Assert.True((got - expected).abs().max().item<float>() < 1e-6f);
    }

    static Tensor TensorForm(Tensor image, Tensor holes, int iterations)
    {
        var (h, w) = (image.shape[1], image.shape[2]);
        var known = 1 - holes;
        Tensor start;
        if (h >= 8 && w >= 8)
        {
            var (ph, pw) = (h % 2, w % 2);
            var padded = nn.functional.pad((image * known).unsqueeze(0), [0, pw, 0, ph], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var weight = nn.functional.pad(known.unsqueeze(0).unsqueeze(0), [0, pw, 0, ph], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var sum = nn.functional.avg_pool2d(padded.unsqueeze(0), 2).squeeze(0);
            var count = nn.functional.avg_pool2d(weight.unsqueeze(0), 2).squeeze(0).squeeze(0);
            var coarseHoles = count.le(0).to_type(ScalarType.Float32);
            var coarse = sum / count.clamp_min(1e-6f).unsqueeze(0);
            var filled = coarseHoles.sum().item<float>() > 0 ? TensorForm(coarse, coarseHoles, iterations) : coarse;
            start = nn.functional.interpolate(filled.unsqueeze(0), [h + ph, w + pw], mode: InterpolationMode.Nearest).squeeze(0).narrow(1, 0, h).narrow(2, 0, w);
        }
        else start = (image * known).sum([1, 2], keepdim: true) / known.sum().clamp_min(1);
        var fixedPart = image * known;
        var x = fixedPart + start * holes;
        for (int i = 0; i < iterations; i++)
        {
            var p = nn.functional.pad(x.unsqueeze(0), [1, 1, 1, 1], TorchSharp.PaddingModes.Replicate).squeeze(0);
            var mean = (p.narrow(1, 0, h).narrow(2, 1, w) + p.narrow(1, 2, h).narrow(2, 1, w) + p.narrow(1, 1, h).narrow(2, 0, w) + p.narrow(1, 1, h).narrow(2, 2, w)) / 4;
            x = fixedPart + mean * holes;
        }
        return x;
    }
}
