using InstantViews.Runtime;

namespace InstantViews.Tests.Runtime;

/// <summary>The model lookup order; changes the working folder and the environment, so it runs alone.</summary>
[Collection("console")]
public class ModelFilesTests
{
    [Fact]
    public void Models_are_found_by_path_then_models_option_then_variable_then_program_then_working_folder()
    {
        using var d = new TempDir();
        foreach (var (dir, name) in new[] { ("opt", "a"), ("env", "a"), ("env", "b"), ("work/models", "a"), ("work/models", "b"), ("work/models", "c"), ("work/models", "depth") })
        {
            Directory.CreateDirectory(d.File(dir));
            File.WriteAllText(Path.Combine(d.File(dir), name + ".safetensors"), dir);
        }
        var cwd = Directory.GetCurrentDirectory();
        Directory.CreateDirectory(d.File("work/sub"));
        try
        {
            Directory.SetCurrentDirectory(d.File("work/sub"));
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", d.File("env"));
            ModelFiles.Folder = d.File("opt");
            Assert.Equal(d.File("opt/a.safetensors"), ModelFiles.Resolve("a"));
            Assert.Equal(d.File("env/b.safetensors"), ModelFiles.Resolve("b.safetensors"));
            // Next to (or above) the program before the working folder: the clone's shipped depth model.
            Assert.NotEqual(d.File("work/models/depth.safetensors"), ModelFiles.Resolve("depth"));
            Assert.Equal(d.File("work/models/c.safetensors"), ModelFiles.Resolve("c"));
            // An explicit path wins over every folder.
            Assert.Equal(d.File("work/models/a.safetensors"), ModelFiles.Resolve(d.File("work/models/a.safetensors")));
            Assert.Contains("'zz': model file not found", Assert.Throws<UserError>(() => ModelFiles.Resolve("zz")).Message);
            Assert.Contains("file not found", Assert.Throws<UserError>(() => ModelFiles.Resolve("no/such.safetensors")).Message);
        }
        finally
        {
            ModelFiles.Folder = null;
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", null);
            Directory.SetCurrentDirectory(cwd);
        }
    }
}
