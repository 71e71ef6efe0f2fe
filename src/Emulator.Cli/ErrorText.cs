namespace Emulator.Cli;

/// <summary>How the CLI words an error: every message it prints for bad input or a failed start is one line.</summary>
internal static class ErrorText
{
    /// <summary><paramref name="text"/> on one line (line breaks become spaces).</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
