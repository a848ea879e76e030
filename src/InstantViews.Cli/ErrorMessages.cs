using System.Runtime.InteropServices;
using System.Text.Json;
using InstantViews.Runtime;

namespace InstantViews.Cli;

/// <summary>Turns any exception into the one line a user sees: what failed and, where known, which input.</summary>
public static class ErrorMessages
{
    public static string Describe(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } agg) e = agg.InnerExceptions[0];
        if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
        var message = FirstLine(e.Message);
        return e switch
        {
            UserError => message,
            OperationCanceledException => "cancelled",
            FileNotFoundException f => $"'{f.FileName ?? "?"}': file not found",
            DirectoryNotFoundException => $"folder not found ({message})",
            UnauthorizedAccessException => $"permission denied ({message})",
            PathTooLongException => $"path too long ({message})",
            IOException => $"I/O error ({message})",
            JsonException => $"invalid JSON ({message})",
            FormatException or OverflowException => $"bad number or format ({message})",
            ArgumentException or InvalidOperationException or IndexOutOfRangeException => $"invalid input ({message})",
            OutOfMemoryException or InsufficientExecutionStackException => "out of memory: the input or the settings are too large for this machine",
            // Sockets and system calls report through ExternalException too: only the rest comes from libtorch.
            System.Net.Sockets.SocketException => $"network error ({message})",
            System.ComponentModel.Win32Exception => $"system error ({message})",
            ExternalException when message.Contains("alloc", StringComparison.OrdinalIgnoreCase) => $"out of memory in libtorch ({message})",
            ExternalException => $"libtorch error ({message})",
            _ => $"{e.GetType().Name}: {message} (run with --verbose for details)",
        };
    }

    static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        // libtorch messages carry a C++ backtrace after the first line; keep them short.
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
