namespace InstantViews.Runtime;

/// <summary>A problem with the user's input or environment: the CLI prints its one-line message and exits 1.</summary>
public sealed class UserError(string message) : Exception(message);
