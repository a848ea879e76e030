using PuppeteerSharp;

namespace InstantViews.Bench;

/// <summary>
/// The system's Chromium (Debian's `chromium`, installed by scripts/setup), headless with software WebGL
/// (SwiftShader), driven over the DevTools protocol by PuppeteerSharp: no browser is downloaded at run time.
/// Shared by the viewer benchmark and the viewer's browser tests.
/// </summary>
public static class HeadlessChromium
{
    /// <summary>The browser: INSTANTVIEWS_CHROMIUM if set, else /usr/bin/chromium.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("INSTANTVIEWS_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(int width, int height)
    {
        if (!File.Exists(ExecutablePath))
            throw new FileNotFoundException($"Chromium not found at {ExecutablePath}: run ./scripts/setup (it installs Debian's chromium), or set INSTANTVIEWS_CHROMIUM");
        return await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root on build machines needs --no-sandbox; SwiftShader gives WebGL without a GPU.
            Args = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-gpu-sandbox", "--hide-scrollbars"],
            DefaultViewport = new ViewPortOptions { Width = width, Height = height },
            Timeout = 60_000,
        });
    }
}
