using System.Net;
using InstantViews.Runtime;

namespace InstantViews.Viewer;

/// <summary>How the viewer's server listens and what it accepts.</summary>
public sealed record ViewerSettings
{
    /// <summary>Address to bind: loopback unless the user asks otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Largest photo upload (bytes).</summary>
    public long MaxUploadBytes { get; init; } = 25L << 20;
    /// <summary>Views sockets open at once; more are refused (503).</summary>
    public int MaxClients { get; init; } = 16;
    /// <summary>Photos kept (the first and the newest uploads); older uploads are forgotten.</summary>
    public int MaxPhotos { get; init; } = 4;
    /// <summary>JPEG quality of the views sent.</summary>
    public int JpegQuality { get; init; } = 90;
    /// <summary>Seed of every view's noise (one seed: a moving camera does not flicker).</summary>
    public long Seed { get; init; }
    /// <summary>Name shown on the page (the model file).</summary>
    public string ModelName { get; init; } = "";
    /// <summary>Largest decoded upload (pixels): a header claiming more is refused before decoding (a deflate bomb).</summary>
    public long MaxUploadPixels { get; init; } = 24L << 20;
    /// <summary>A views socket with no message for this long is closed (the page reconnects when it needs to).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>A message must arrive whole within this time of its first byte, or the socket is closed.</summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Messages waiting to be sent to one client; a client that does not read is closed beyond it.</summary>
    public int MaxQueuedMessages { get; init; } = 16;
    /// <summary>Host names accepted besides loopback and the bound address (e.g. this machine's DNS name).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];
    /// <summary>Access token every request must carry (null: none). Required when listening beyond loopback.</summary>
    public string? Token { get; init; }

    /// <summary>The address to bind: an IP address, "localhost" (loopback) or "*" / "0.0.0.0" (every interface).</summary>
    public IPAddress Address => Host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ => IPAddress.TryParse(Host, out var a) ? a : throw new UserError($"host '{Host}': expected an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost"),
    };

    /// <summary>Whether only this machine can connect.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public void Check()
    {
        _ = Address;
        if (Port is < 0 or > 65535) throw new UserError($"port must be 0 to 65535, got {Port}");
        if (MaxUploadBytes < 1) throw new UserError($"upload limit must be positive, got {MaxUploadBytes}");
        if (MaxClients < 1 || MaxPhotos < 1) throw new UserError("the viewer needs room for at least one client and one photo");
        if (JpegQuality is < 1 or > 100) throw new UserError($"JPEG quality must be 1 to 100, got {JpegQuality}");
        if (MaxUploadPixels < 1) throw new UserError($"upload pixel limit must be positive, got {MaxUploadPixels}");
        if (IdleTimeout <= TimeSpan.Zero || MessageTimeout <= TimeSpan.Zero) throw new UserError("the viewer's socket time limits must be positive");
        if (MaxQueuedMessages < 1) throw new UserError($"the send queue must hold at least one message, got {MaxQueuedMessages}");
        if (!IsLoopback && string.IsNullOrEmpty(Token))
            throw new UserError($"listening on {Host} (beyond this machine) needs an access token");
        foreach (var name in AllowedHosts)
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#'))
                throw new UserError($"allowed host '{name}': expected a host name or address");
    }
}
