using InstantViews.Runtime;
using InstantViews.Scenes;

namespace InstantViews.Tests.Scenes;

public class StereoCalibrationTests
{
    // Middlebury 2014 Motorcycle's calib.txt, as the dataset ships it (CRLF line ends included).
    const string Motorcycle = "cam0=[3979.911 0 1244.772; 0 3979.911 1019.507; 0 0 1]\r\ncam1=[3979.911 0 1369.115; 0 3979.911 1019.507; 0 0 1]\r\n" +
        "doffs=124.343\r\nbaseline=193.001\r\nwidth=2964\r\nheight=1988\r\nndisp=270\r\nisint=0\r\nvmin=23\r\nvmax=245\r\ndyavg=0\r\ndymax=0\r\n";

    [Fact]
    public void Parses_a_middlebury_2014_calib_txt()
    {
        var c = StereoCalibration.Parse(Motorcycle, "calib.txt");
        Assert.Equal(3979.911, c.Focal);
        Assert.Equal((1244.772, 1019.507), (c.Cam0[0, 2], c.Cam0[1, 2]));
        Assert.Equal((3979.911, 1369.115, 1019.507), (c.Cam1[1, 1], c.Cam1[0, 2], c.Cam1[1, 2]));
        Assert.Equal((124.343, 193.001, 0.193001), (c.Doffs, c.BaselineMm, c.BaselineMetres));
        Assert.Equal((2964, 1988), (c.Width, c.Height));
        Assert.Equal(["ndisp=270", "isint=0", "vmin=23", "vmax=245", "dyavg=0", "dymax=0"], c.Extra.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    [Fact]
    public void Format_reads_back_to_the_same_values()
    {
        var c = StereoCalibration.Parse(Motorcycle, "calib.txt");
        var text = c.Format();
        Assert.StartsWith("cam0=[3979.911 0 1244.772; 0 3979.911 1019.507; 0 0 1]\ncam1=", text);
        var back = StereoCalibration.Parse(text, "again");
        Assert.Equal(c.Cam0.Cast<double>(), back.Cam0.Cast<double>());
        Assert.Equal(c.Cam1.Cast<double>(), back.Cam1.Cast<double>());
        Assert.Equal((c.Doffs, c.BaselineMm, c.Width, c.Height), (back.Doffs, back.BaselineMm, back.Width, back.Height));
        Assert.Equal(c.Extra, back.Extra);
        // Values with many digits survive too.
        var odd = new StereoCalibration(StereoCalibration.Intrinsics(1 / 3.0, 0.1, 0.7), StereoCalibration.Intrinsics(1 / 3.0, 0.1 + Math.PI, 0.7), Math.PI, Math.E, 3, 2);
        var oddBack = StereoCalibration.Parse(odd.Format(), "odd");
        Assert.Equal(odd.Cam1.Cast<double>(), oddBack.Cam1.Cast<double>());
        Assert.Equal((Math.PI, Math.E), (oddBack.Doffs, oddBack.BaselineMm));
    }

    [Theory]
    [InlineData("baseline=193.001\r\n", "", "no 'baseline=' line")]
    [InlineData("baseline=193.001", "baseline=0", "baseline=0 must be positive")]
    [InlineData("baseline=193.001", "baseline=-5", "baseline=-5 must be positive")]
    [InlineData("baseline=193.001", "baseline=NaN", "baseline=NaN is not finite")]
    [InlineData("baseline=193.001", "baseline=far", "baseline=far is not a number")]
    [InlineData("cam0=[3979.911 0", "cam0=[-3979.911 0", "cam0 focal lengths -3979.911, 3979.911 must be positive")]
    [InlineData("cam0=[3979.911 0", "cam0=[NaN 0", "cam0 has a value that is not finite")]
    [InlineData("cam0=[3979.911 0 1244.772; 0 3979.911", "cam0=[3979.911 0 1244.772; 0 3000", "not rectified")]
    [InlineData("; 0 0 1]\r\ncam1", "; 0 0 2]\r\ncam1", "cam0 must have the form [f 0 cx; 0 f cy; 0 0 1]")]
    [InlineData("; 0 0 1]\r\ncam1", "]\r\ncam1", "cam0 has 2 rows, expected 3")]
    [InlineData("1244.772; 0", "1244.772 5; 0", "cam0 row 1 has 4 values, expected 3")]
    [InlineData("cam0=[", "cam0=(", "is not a matrix")]
    [InlineData("doffs=124.343", "doffs=100", "doffs=100 but cam1's cx - cam0's cx = 124.343")]
    [InlineData("width=2964", "width=0", "width=0 is not a positive whole number")]
    [InlineData("height=1988", "height=19.5", "height=19.5 is not a positive whole number")]
    [InlineData("ndisp=270", "ndisp=270\r\nwidth=5", "'width' is given twice")]
    [InlineData("ndisp=270", "ndisp 270", "line 7 is not key=value")]
    public void Bad_calibrations_are_one_line_errors_naming_the_file(string from, string to, string says)
    {
        var text = Motorcycle.Replace(from, to);
        Assert.NotEqual(Motorcycle, text);
        var e = Assert.Throws<UserError>(() => StereoCalibration.Parse(text, "scene/calib.txt"));
        Assert.StartsWith("'scene/calib.txt': ", e.Message);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var dir = new TempDir();
        Assert.Contains("calib.txt': file not found", Assert.Throws<UserError>(() => StereoCalibration.Read(dir.File("calib.txt"))).Message);
    }
}
