using InstantViews.Geometry;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class TextureTests
{
    [Fact]
    public void Changing_the_angle_with_a_copy_rotates_the_pattern()
    {
        var a = new Texture(TextureKind.Stripes, new Vec3(1, 0, 0), new Vec3(0, 0, 1), Vec3.Zero, 2, 0, 1);
        var b = a with { Angle = 1.0 };
        var c = new Texture(TextureKind.Stripes, new Vec3(1, 0, 0), new Vec3(0, 0, 1), Vec3.Zero, 2, 1.0, 1);
        for (double u = 0; u < 2; u += 0.13)
            Assert.Equal(c.Sample(u, 0.37), b.Sample(u, 0.37));
    }

    [Fact]
    public void Every_kind_gives_colours_between_its_inputs()
    {
        foreach (var kind in Enum.GetValues<TextureKind>().Where(k => k != TextureKind.Photo))
        {
            var t = new Texture(kind, new Vec3(0.2, 0.4, 0.6), new Vec3(0.8, 0.1, 0.3), new Vec3(0.5, 0.5, 0.5), 3, 0.3, 7);
            for (double u = -1; u < 1; u += 0.21)
            {
                var s = t.Sample(u, 0.5 * u + 0.1);
                Assert.InRange(s.X, 0.2, 0.8);
                Assert.InRange(s.Y, 0.1, 0.5);
            }
        }
    }

    [Fact]
    public void A_photo_texture_shows_the_photo_upright_tinted_and_mirrored_at_its_edges()
    {
        // A 2x2 photo: red, green on top; blue, white below. One image width per metre, no offset, red halved by the tint.
        float[] rgb = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
        var photo = new PhotoImage("p", rgb, 2, 2);
        var t = new Texture(TextureKind.Photo, new Vec3(0.5, 1, 1), Vec3.Zero, Vec3.Zero, 1, 0, 0) { Photo = photo };
        // v grows upwards on a wall: lower points (more negative v) show lower rows.
        Assert.Equal(new Vec3(0.5, 0, 0), t.Sample(0.25, -0.25));
        Assert.Equal(new Vec3(0, 1, 0), t.Sample(0.75, -0.25));
        Assert.Equal(new Vec3(0, 0, 1), t.Sample(0.25, -0.75));
        // Past the right edge the photo is mirrored: a quarter width beyond it is the right column again.
        Assert.Equal(new Vec3(0, 1, 0), t.Sample(1.25, -0.25));
        Assert.Equal(0.0, PhotoImage.Mirror(-0.5, 4), 12);
        Assert.Equal(3.0, PhotoImage.Mirror(3.5, 4), 12);
        Assert.Equal(2.0, PhotoImage.Mirror(5.0, 4), 12);
    }

    [Fact]
    public void The_validation_split_is_chosen_by_each_photos_hash_and_the_two_splits_partition_the_corpus()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("photos"));
        var lines = new List<string> { "file\tpackage\tversion\tpath\tsha256\tsize" };
        var validation = new List<string>();
        for (int i = 0; i < 16; i++)
        {
            var bytes = InstantViews.Imaging.ImageFile.Encode(TorchSharp.torch.full(3, 4, 4, i / 16f - 0.5f));
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            File.WriteAllBytes(dir.File($"photos/p{i}.png"), bytes);
            lines.Add($"p{i}.png\tpkg\t1\t/p{i}.png\t{sha}\t4x4");
            if (Convert.ToInt32(sha[..2], 16) < 0x33) validation.Add($"p{i}.png");
        }
        File.WriteAllText(dir.File("manifest.tsv"), string.Join("\n", lines) + "\n");
        var all = PhotoCorpus.Load(dir.Path, 8).Photos.Select(p => p.Name).ToList();
        var held = PhotoCorpus.Load(dir.Path, 8, PhotoSplit.Validation).Photos.Select(p => p.Name).ToList();
        var train = PhotoCorpus.Load(dir.Path, 8, PhotoSplit.Training).Photos.Select(p => p.Name).ToList();
        Assert.Equal(16, all.Count);
        Assert.Equal(validation, held);
        Assert.NotEmpty(held);
        Assert.Empty(held.Intersect(train));
        Assert.Equal(all.Order(), held.Concat(train).Order());
        // A photo added to the corpus moves no other photo between the splits.
        Assert.True(PhotoCorpus.IsValidation("32" + new string('f', 62)) && !PhotoCorpus.IsValidation("33" + new string('0', 62)));
        File.AppendAllText(dir.File("manifest.tsv"), "p0.png\tpkg\t1\t/p0.png\tnot-a-hash\t4x4\n");
        Assert.Contains("line 18: 'not-a-hash' is not a SHA-256", Assert.Throws<InstantViews.Runtime.UserError>(() => PhotoCorpus.Load(dir.Path, 8)).Message);
    }

    [Fact]
    public void The_photo_corpus_refuses_evaluation_photos_by_name_and_hash_and_files_that_changed()
    {
        Assert.Contains(PhotoCorpus.EvaluationPhotos, e => e.Name == "aloeL.jpg");
        Assert.NotNull(PhotoCorpus.Refusal("some/dir/aloeL.jpg", "00"));
        Assert.NotNull(PhotoCorpus.Refusal("renamed.jpg", PhotoCorpus.EvaluationPhotos[0].Sha256));
        Assert.Null(PhotoCorpus.Refusal("canyon-wren.jpg", "1576ed33"));
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("photos"));
        File.WriteAllBytes(dir.File("photos/a.jpg"), [1, 2, 3]);
        File.WriteAllText(dir.File("manifest.tsv"), "file\tpackage\tversion\tpath\tsha256\tsize\na.jpg\tpkg\t1\t/a.jpg\t" + new string('0', 64) + "\t1x1\n");
        var e = Assert.Throws<InstantViews.Runtime.UserError>(() => PhotoCorpus.Load(dir.Path));
        Assert.Contains("differs from the manifest", e.Message);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 1, 2, 3 }));
        File.Move(dir.File("photos/a.jpg"), dir.File("photos/aloeR.jpg"));
        File.WriteAllText(dir.File("manifest.tsv"), "file\tpackage\tversion\tpath\tsha256\tsize\naloeR.jpg\tpkg\t1\t/a.jpg\t" + sha + "\t1x1\n");
        e = Assert.Throws<InstantViews.Runtime.UserError>(() => PhotoCorpus.Load(dir.Path));
        Assert.Contains("refused for training", e.Message);
    }
}
