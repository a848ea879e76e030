using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace InstantViews.Viewer;

/// <summary>Why a request was refused: the HTTP status and a one-line reason (sent as JSON, no CORS headers).</summary>
public sealed record AccessRefusal(int Status, string Message);

/// <summary>
/// Who may use the viewer (docs/viewer.md, "Security"): only pages the viewer served itself. Every request must name
/// one of the viewer's own host names (a DNS-rebinding page names its own: 421); a request a browser marks as
/// cross-site or from another origin (another site, another localhost port, a sandboxed "null" origin) is refused
/// (403), except a top-level navigation to the page itself; uploads must carry <see cref="UploadHeader"/>, which a
/// cross-origin page cannot send without a CORS preflight the viewer refuses; when the viewer listens beyond
/// loopback, every request needs the run's random token (query, header or the cookie the page gets).
/// </summary>
public sealed class ViewerAccess
{
    /// <summary>Header every upload must carry (any value): it forces a preflight on cross-origin pages.</summary>
    public const string UploadHeader = "X-InstantViews-Upload";
    /// <summary>Header that may carry the token (scripts); the page uses the cookie.</summary>
    public const string TokenHeader = "X-InstantViews-Token";
    /// <summary>Query parameter of the printed address that carries the token.</summary>
    public const string TokenParameter = "token";

    readonly HashSet<string> hosts;
    readonly byte[]? token;

    /// <summary>The host names and addresses accepted in Host and Origin headers (lower case, IPv6 without brackets).</summary>
    public IReadOnlyCollection<string> Hosts => hosts;
    /// <summary>The port pages must come from (the one the viewer listens on).</summary>
    public int Port { get; }
    public bool RequiresToken => token is not null;
    /// <summary>Cookie that carries the token after the page was opened with it; named by port, as cookies ignore ports.</summary>
    public string CookieName => $"instantviews-token-{Port}";

    public ViewerAccess(IEnumerable<string> hostNames, int port, string? token)
    {
        hosts = new HashSet<string>(hostNames.Select(Normalise), StringComparer.Ordinal);
        Port = port;
        this.token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);
    }

    /// <summary>
    /// The names a viewer bound to <paramref name="address"/> answers to: the loopback names, the bound address, every
    /// address of this machine and its host name when bound to all interfaces, and the names the user added.
    /// </summary>
    public static IEnumerable<string> HostNames(IPAddress address, IEnumerable<string> extra)
    {
        var names = new List<string> { "localhost", "127.0.0.1", "::1", address.ToString() };
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            names.Add(Dns.GetHostName());
            try
            {
                names.AddRange(NetworkInterface.GetAllNetworkInterfaces()
                    .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                    .Select(a => a.Address.ToString()));
            }
            catch (NetworkInformationException) { }
        }
        names.AddRange(extra);
        return names;
    }

    /// <summary>A random token (128 bits, URL-safe).</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Null when the request may go on; otherwise why not.</summary>
    public AccessRefusal? Check(HttpRequest request)
    {
        var host = request.Host.HasValue ? Normalise(request.Host.Host) : "";
        if (!hosts.Contains(host))
            return new(StatusCodes.Status421MisdirectedRequest, $"host name '{request.Host.Host}' is not one of this viewer's (the user may add it with --allow-host)");
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        var navigation = HttpMethods.IsGet(request.Method) && request.Path == "/" && request.Headers["Sec-Fetch-Mode"] == "navigate";
        if (site.Length > 0 && site is not ("same-origin" or "none") && !navigation)
            return new(StatusCodes.Status403Forbidden, $"a {site} request is refused: only the viewer's own page may use it");
        if (request.Headers.Origin.ToString() is { Length: > 0 } origin && !navigation && OriginProblem(origin) is { } problem)
            return new(StatusCodes.Status403Forbidden, problem);
        if (HttpMethods.IsOptions(request.Method))
            return new(StatusCodes.Status403Forbidden, "cross-origin requests are refused (no CORS)");
        if (HttpMethods.IsPost(request.Method) && !request.Headers.ContainsKey(UploadHeader))
            return new(StatusCodes.Status403Forbidden, $"an upload must carry the {UploadHeader} header (the viewer's page sends it)");
        if (token is not null && !HasToken(request))
            return new(StatusCodes.Status403Forbidden, "this viewer needs its access token: open the address it printed (with ?token=...)");
        return null;
    }

    /// <summary>Whether the request's query carries the right token (the page is then given the cookie).</summary>
    public bool QueryHasToken(HttpRequest request) => token is not null && Same(request.Query[TokenParameter].ToString());

    bool HasToken(HttpRequest request) =>
        QueryHasToken(request) || Same(request.Headers[TokenHeader].ToString()) || Same(request.Cookies[CookieName]);

    bool Same(string? given) =>
        token is not null && !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), token);

    string? OriginProblem(string origin)
    {
        if (origin == "null") return "a request from an opaque origin ('null': a sandboxed page or a file) is refused";
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"origin '{origin}' is not an http(s) origin";
        if (!hosts.Contains(Normalise(uri.Host)) || uri.Port != Port)
            return $"origin '{origin}' is not this viewer's page (only pages it serves on port {Port} may use it)";
        return null;
    }

    static string Normalise(string host)
    {
        host = host.Trim().ToLowerInvariant();
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        var scope = host.IndexOf('%');
        return scope > 0 && host.Contains(':') ? host[..scope] : host.TrimEnd('.');
    }
}
