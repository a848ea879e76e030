using InstantViews.Scenes;

namespace InstantViews.Tests.Cli;

[Collection("console")]
public class ScenesCommandTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Render_writes_the_dataset_and_preview_writes_a_sheet()
    {
        using var tmp = new TempDir();
        var (code, _, err) = Run("scenes", "render", "--seed", "3", "--count", "2", "--frames", "2", "--width", "16", "--height", "12", "--spp", "1", "--out", tmp.Path, "-q");
        Assert.True(code == 0, err);
        Assert.Equal(["scene-3", "scene-4"], SceneFolder.List(tmp.Path).Select(Path.GetFileName));
        Assert.Equal(2, SceneFolder.Read(Path.Combine(tmp.Path, "scene-4")).Frames.Count);
        (code, _, err) = Run("scenes", "preview", "--count", "1", "--frames", "2", "--width", "16", "--height", "12", "--spp", "1", "--out", tmp.File("sheet.png"), "-q");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(tmp.File("sheet.png")));
    }

    [Fact]
    public void Bad_arguments_and_unwritable_output_are_one_line_errors()
    {
        using var tmp = new TempDir();
        // An out-of-range option is a usage error, refused by the parser.
        var (code, _, err) = Run("scenes", "render", "--width", "0", "--out", tmp.Path, "-q");
        Assert.Equal(2, code);
        Assert.Contains("--width", err);
        File.WriteAllText(tmp.File("file"), "x");
        (code, _, err) = Run("scenes", "render", "--width", "16", "--height", "16", "--spp", "1", "--frames", "1", "--out", tmp.File("file/sub"), "-q");
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("not writable", err);
        Assert.Equal(2, Run("scenes", "render").Code);
    }
}
