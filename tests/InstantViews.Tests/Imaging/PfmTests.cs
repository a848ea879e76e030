using System.Text;
using InstantViews.Imaging;
using InstantViews.Runtime;

namespace InstantViews.Tests.Imaging;

public class PfmTests
{
    static readonly float[] Values = [1.5f, -2, float.PositiveInfinity, 0, 1e-30f, 3.25f, float.NaN, 7, 8, 9, 10, 11];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Round_trip_in_either_byte_order_is_exact(bool littleEndian)
    {
        using var dir = new TempDir();
        Pfm.Write(dir.File("d.pfm"), Values, 4, 3, littleEndian);
        var header = littleEndian ? "Pf\n4 3\n-1\n" : "Pf\n4 3\n1\n";
        var bytes = File.ReadAllBytes(dir.File("d.pfm"));
        Assert.Equal(header, Encoding.ASCII.GetString(bytes[..header.Length]));
        Assert.Equal(header.Length + 48, bytes.Length);
        var (back, w, h) = Pfm.Read(dir.File("d.pfm"));
        Assert.Equal((4, 3), (w, h));
        Assert.Equal(Values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void File_rows_run_from_the_bottom_up(bool littleEndian)
    {
        // Written by hand: a 2x2 map whose file holds the bottom row (3, 4) first, then the top row (1, 2).
        using var dir = new TempDir();
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(littleEndian ? "Pf\n2 2\n-1.0\n" : "Pf\n2 2\n1.0\n"));
        foreach (var v in new float[] { 3, 4, 1, 2 })
        {
            var b = BitConverter.GetBytes(v);
            if (littleEndian != BitConverter.IsLittleEndian) Array.Reverse(b);
            bytes.AddRange(b);
        }
        File.WriteAllBytes(dir.File("d.pfm"), [.. bytes]);
        var (values, w, h) = Pfm.Read(dir.File("d.pfm"));
        Assert.Equal((2, 2), (w, h));
        Assert.Equal([1f, 2, 3, 4], values);
        // The writer lays the rows out the same way.
        Assert.Equal(bytes.Skip(bytes.Count - 16), Pfm.Encode([1f, 2, 3, 4], 2, 2, littleEndian).TakeLast(16));
    }

    [Theory]
    [InlineData("Pf\n4 3\n-1\n", 47, "truncated PFM data (47 bytes for 4x3 floats, 48 expected)")]
    [InlineData("Pf\n4 3\n-1\n", 52, "4 bytes after the 4x3 floats")]
    [InlineData("Pf\n4 3\n", 0, "truncated PFM header (no scale)")]
    [InlineData("Pf\n4", 0, "truncated PFM header (no width)")]
    [InlineData("", 0, "truncated PFM header (no 'Pf')")]
    [InlineData("PF\n4 3\n-1\n", 144, "three-channel PFM")]
    [InlineData("P6\n4 3\n255\n", 36, "not a PFM file (starts with 'P6'")]
    [InlineData("Pf\n4 -3\n-1\n", 48, "PFM height '-3' is not a positive whole number")]
    [InlineData("Pf\n4 x\n-1\n", 48, "PFM height 'x'")]
    [InlineData("Pf\n4 3\n0\n", 48, "PFM scale '0' is not a non-zero number")]
    [InlineData("Pf\n4 3\nnan\n", 48, "PFM scale 'nan'")]
    [InlineData("Pf\n100000 100000\n-1\n", 48, "megapixels")]
    public void Bad_files_are_one_line_errors_naming_them(string header, int dataBytes, string says)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("bad.pfm"), [.. Encoding.ASCII.GetBytes(header), .. new byte[dataBytes]]);
        var e = Assert.Throws<UserError>(() => Pfm.Read(dir.File("bad.pfm")));
        Assert.Contains("bad.pfm'", e.Message);
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Missing_file_and_folder_are_named()
    {
        using var dir = new TempDir();
        Assert.Contains("nope.pfm': file not found", Assert.Throws<UserError>(() => Pfm.Read(dir.File("nope.pfm"))).Message);
        Assert.Contains("a folder", Assert.Throws<UserError>(() => Pfm.Read(dir.Path)).Message);
    }
}
