using System.Text;

namespace Emulator.Cli;

/// <summary>
/// The interactive prompt's line editing: typing and backspace at the end of the line, Tab to complete the last word
/// (asking the console what fits), up and down to recall earlier lines, Ctrl-C to clear the line, Ctrl-D to leave.
/// </summary>
internal sealed class LineEditor(Func<string, IReadOnlyList<string>> complete)
{
    private readonly List<string> _history = [];

    /// <summary>Reads one line after <paramref name="prompt"/>; null when the user leaves (Ctrl-D on an empty line).</summary>
    public string? Read(string prompt)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        var recalled = _history.Count;
        var treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        Console.WriteLine();
                        var text = line.ToString();
                        if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text))
                        {
                            _history.Add(text);
                        }
                        return text;
                    case ConsoleKey.Backspace when line.Length > 0:
                        line.Length--;
                        Console.Write("\b \b");
                        break;
                    case ConsoleKey.Tab:
                        Complete(prompt, line);
                        break;
                    case ConsoleKey.UpArrow when recalled > 0:
                        Replace(prompt, line, _history[--recalled]);
                        break;
                    case ConsoleKey.DownArrow when recalled < _history.Count:
                        recalled++;
                        Replace(prompt, line, recalled == _history.Count ? "" : _history[recalled]);
                        break;
                    default:
                        if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key == ConsoleKey.D && line.Length == 0)
                        {
                            Console.WriteLine();
                            return null;
                        }
                        if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key == ConsoleKey.C)
                        {
                            Console.WriteLine("^C");
                            line.Clear();
                            Console.Write(prompt);
                            break;
                        }
                        if (!char.IsControl(key.KeyChar))
                        {
                            line.Append(key.KeyChar);
                            Console.Write(key.KeyChar);
                        }
                        break;
                }
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    private void Complete(string prompt, StringBuilder line)
    {
        var text = line.ToString();
        var options = complete(text);
        if (options.Count == 0)
        {
            return;
        }
        var lastSpace = text.LastIndexOf(' ');
        var head = text[..(lastSpace + 1)];
        var common = options.Aggregate((a, b) => new string(a.Zip(b).TakeWhile(p => p.Item1 == p.Item2).Select(p => p.Item1).ToArray()));
        if (options.Count == 1)
        {
            Replace(prompt, line, head + options[0] + " ");
            return;
        }
        if (head.Length + common.Length > text.Length)
        {
            Replace(prompt, line, head + common);
            return;
        }
        Console.WriteLine();
        Console.WriteLine(string.Join("  ", options));
        Console.Write(prompt + line);
    }

    private static void Replace(string prompt, StringBuilder line, string text)
    {
        Console.Write("\r" + prompt + new string(' ', line.Length) + "\r" + prompt + text);
        line.Clear().Append(text);
    }
}
