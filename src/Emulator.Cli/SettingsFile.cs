using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Emulator.Cli;

/// <summary>
/// Reads the HOCON file of <c>emulator up --config FILE</c>. Akka's HOCON parser accepts almost anything (an unclosed
/// brace, a key without a value, stray brackets) and quietly yields a different configuration, so the file is checked
/// first: brackets and quotes must balance and every key must have a value. A file that fails says why in one line.
/// <c>include "other.conf"</c> reads a file next to the one including it.
/// </summary>
public static class SettingsFile
{
    /// <summary>Reads <paramref name="path"/>; returns why it cannot be used (one line), or null with <paramref name="settings"/> set.</summary>
    public static string? TryRead(string path, out Config? settings)
    {
        settings = null;
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return "no such file";
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ErrorText.OneLine(e.Message);
        }
        if (CheckStructure(text) is { } structure)
        {
            return "not valid HOCON: " + structure;
        }
        Config parsed;
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            parsed = ConfigurationFactory.ParseString(text, name => Include(directory, name, 1));
        }
        catch (IncludeException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The parser reports errors with several exception types.
            return "not valid HOCON: " + ErrorText.OneLine(e.Message);
        }
        if (parsed.Root is { } root && FirstKeyWithoutValue(root, "") is { } key)
        {
            return $"not valid HOCON: {key} has no value";
        }
        settings = parsed;
        return null;
    }

    /// <summary>Reads an included file (relative to the including one), checked as the main file is.</summary>
    private static HoconRoot Include(string directory, string name, int depth)
    {
        if (depth > 16)
        {
            throw new IncludeException($"include \"{name}\": includes nest more than 16 deep");
        }
        var file = Path.Combine(directory, name);
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IncludeException($"include \"{name}\": {(File.Exists(file) ? ErrorText.OneLine(e.Message) : "no such file")}");
        }
        if (CheckStructure(text) is { } structure)
        {
            throw new IncludeException($"include \"{name}\": not valid HOCON: {structure}");
        }
        var next = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return Parser.Parse(text, nested => Include(next, nested, depth + 1));
    }

    /// <summary>An included file cannot be used; the message is the one-line reason.</summary>
    private sealed class IncludeException(string message) : Exception(message);

    /// <summary>The first unbalanced bracket or unterminated string, with its line, or null.</summary>
    private static string? CheckStructure(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }
                    break;
                case '"' when string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0:
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return $"unterminated \"\"\" string (line {Number(line)})";
                    }
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    break;
                case '"':
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n')
                    {
                        i += text[i] == '\\' ? 2 : 1;
                    }
                    if (i >= text.Length || text[i] != '"')
                    {
                        return $"unterminated string (line {Number(line)})";
                    }
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (!open.TryPop(out var top))
                    {
                        return $"'{c}' without an opening '{expected}' (line {Number(line)})";
                    }
                    if (top.Bracket != expected)
                    {
                        return $"'{c}' closes the '{top.Bracket}' of line {Number(top.Line)} (line {Number(line)})";
                    }
                    break;
            }
        }
        return open.TryPop(out var unclosed) ? $"'{unclosed.Bracket}' of line {Number(unclosed.Line)} is never closed" : null;
    }

    /// <summary>The path of the first key the parser kept without a value (<c>key =</c> and nothing after), or null.</summary>
    private static string? FirstKeyWithoutValue(HoconValue value, string path)
    {
        if (value.Values.Count == 0)
        {
            return path.Length == 0 ? null : path;
        }
        if (!value.IsObject())
        {
            return null;
        }
        foreach (var (key, child) in value.GetObject().Items)
        {
            if (FirstKeyWithoutValue(child, path.Length == 0 ? key : path + "." + key) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static string Number(int line) => line.ToString(CultureInfo.InvariantCulture);
}
