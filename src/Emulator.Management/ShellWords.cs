using System.Text;

namespace Emulator.Management;

/// <summary>
/// A command line as one line of text, as a POSIX shell reads it: each argument plain when it holds only characters
/// the shell leaves alone, else in single quotes (a quote inside written <c>'\''</c>). <c>process info</c> prints a
/// member's command line this way, and a chaos experiment reads it back to start a killed member again.
/// </summary>
public static class ShellWords
{
    /// <summary>The arguments as one line.</summary>
    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));

    /// <summary>One argument, quoted when the shell would otherwise change it.</summary>
    public static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Splits a line <see cref="Join"/> wrote (plain words, single and double quotes, backslash escapes) back into its arguments.</summary>
    /// <exception cref="FormatException">When a quote is not closed.</exception>
    public static IReadOnlyList<string> Split(string line)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case ' ' or '\t':
                    if (inWord)
                    {
                        arguments.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }
                    break;
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException($"unclosed ' in: {line}");
                    }
                    current.Append(line, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i++;
                    for (; i < line.Length && line[i] != '"'; i++)
                    {
                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                        {
                            i++;
                        }
                        current.Append(line[i]);
                    }
                    if (i >= line.Length)
                    {
                        throw new FormatException($"unclosed \" in: {line}");
                    }
                    inWord = true;
                    break;
                case '\\' when i + 1 < line.Length:
                    current.Append(line[++i]);
                    inWord = true;
                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }
        if (inWord)
        {
            arguments.Add(current.ToString());
        }
        return arguments;
    }
}
