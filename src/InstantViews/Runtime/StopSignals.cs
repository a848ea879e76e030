using System.Runtime.InteropServices;

namespace InstantViews.Runtime;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation, however the process was started. A process started with SIGINT
/// ignored (any `cmd &amp;` from a script or non-interactive shell, and every child of such a process) keeps it
/// ignored, and .NET deliberately leaves an inherited SIG_IGN in place, so neither Console.CancelKeyPress nor a
/// PosixSignalRegistration would ever run. <see cref="Listen"/> restores the default disposition first.
/// </summary>
public sealed class StopSignals : IDisposable
{
    const int Sigint = 2, Sigterm = 15;
    // struct sigaction is copied as opaque bytes (152 on x86-64 and arm64 glibc): only its first field is read.
    const int SigactionBytes = 512;
    static readonly IntPtr SigDfl = IntPtr.Zero;
    readonly CancellationTokenSource stop = new();
    readonly PosixSignalRegistration? interrupt, terminate;

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => stop.Token;

    StopSignals()
    {
        if (OperatingSystem.IsWindows()) return;
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        // The runtime records SIGINT's disposition when it starts and installs no handler for one that was ignored
        // (its handler is then missing even after RestoreInterrupt): give SIGINT the runtime's own handler, the one
        // SIGTERM now has, which hands any signal to the registrations above.
        if (HandlerOf(Sigint) is 0 or 1) CopyAction(Sigterm, Sigint);
    }

    /// <summary>Starts turning SIGINT and SIGTERM into <see cref="Token"/> (the process is not killed by them while this lives).</summary>
    public static StopSignals Listen()
    {
        // Only an ignored SIGINT is reset here: a handler the runtime already installed (Console, ASP.NET) stays.
        if (!OperatingSystem.IsWindows() && HandlerOf(Sigint) == 1) RestoreInterrupt();
        return new StopSignals();
    }

    /// <summary>Gives SIGINT back its default disposition when the parent left it ignored (before any handler is installed).</summary>
    public static void RestoreInterrupt()
    {
        if (OperatingSystem.IsWindows()) return;
        signal(Sigint, SigDfl);
    }

    void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        try { stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        interrupt?.Dispose();
        terminate?.Dispose();
        stop.Dispose();
    }

    /// <summary>The handler address of a signal: 0 default, 1 ignored, otherwise a function.</summary>
    static long HandlerOf(int sig)
    {
        var action = new byte[SigactionBytes];
        return sigaction(sig, IntPtr.Zero, action) == 0 ? BitConverter.ToInt64(action, 0) : -1;
    }

    static void CopyAction(int from, int to)
    {
        var action = new byte[SigactionBytes];
        if (sigaction(from, IntPtr.Zero, action) == 0 && BitConverter.ToInt64(action, 0) is not (0 or 1)) sigaction(to, action, null);
    }

    [DllImport("libc", SetLastError = true)]
    static extern IntPtr signal(int signum, IntPtr handler);

    [DllImport("libc", SetLastError = true)]
    static extern int sigaction(int signum, byte[]? action, byte[]? old);

    [DllImport("libc", SetLastError = true)]
    static extern int sigaction(int signum, IntPtr action, byte[] old);
}
