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

    [Fact]
    public void A_models_folder_that_is_missing_or_a_file_is_an_error_naming_it_and_its_source()
    {
        using var d = new TempDir();
        File.WriteAllText(d.File("a-file"), "x");
        try
        {
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", d.File("nowhere"));
            Assert.Equal($"'{d.File("nowhere")}' (given by INSTANTVIEWS_MODELS): folder not found", Assert.Throws<UserError>(() => ModelFiles.Resolve("genwarp")).Message);
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", d.File("a-file"));
            Assert.Equal($"'{d.File("a-file")}' (given by INSTANTVIEWS_MODELS): a file, not a folder of models", Assert.Throws<UserError>(() => ModelFiles.Find("genwarp.safetensors")).Message);
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", null);
            ModelFiles.Folder = d.File("nowhere");
            Assert.Equal($"'{d.File("nowhere")}' (given by --models): folder not found", Assert.Throws<UserError>(() => ModelFiles.Resolve("genwarp")).Message);
            // An explicit path needs no folder.
            Assert.Equal(d.File("a-file"), ModelFiles.Resolve(d.File("a-file")));
        }
        finally
        {
            ModelFiles.Folder = null;
            Environment.SetEnvironmentVariable("INSTANTVIEWS_MODELS", null);
        }
    }
}
