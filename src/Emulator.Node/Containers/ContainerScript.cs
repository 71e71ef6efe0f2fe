using System.Globalization;
using System.Text;

namespace Emulator.Node.Containers;

/// <summary>One log line a container writes, at an offset from its start.</summary>
public readonly record struct ScriptLine(TimeSpan At, string Text);

/// <summary>
/// What an emulated container does, computed once from its <c>command</c>/<c>args</c>: the lines it prints and when,
/// and when it exits with which code (<see cref="ExitAt"/> null: it runs until stopped). Emulated processes are
/// deterministic, so a kubelet that restarts can recompute everything a running container did from its start time.
/// </summary>
public sealed record ContainerScript(IReadOnlyList<ScriptLine> Lines, TimeSpan? ExitAt, int ExitCode)
{
    /// <summary>A process that runs until it is stopped (an image's default entrypoint, or an unknown command).</summary>
    public static readonly ContainerScript Forever = new([], null, 0) { Serves = true };

    /// <summary>
    /// True when the process is a server: the image's own entrypoint, or a program the emulator does not know, running
    /// until stopped (it listens on the container's ports). A known command that waits (<c>sleep</c>) listens nowhere.
    /// </summary>
    public bool Serves { get; init; }

    /// <summary>
    /// Interprets <paramref name="command"/> + <paramref name="args"/>: <c>sleep N</c>, <c>exit N</c>, <c>echo …</c>,
    /// <c>env</c>/<c>printenv [NAME]</c>, <c>hostname</c>, <c>true</c>/<c>false</c>, and <c>sh -c "a; b &amp;&amp; c || d"</c> sequences with
    /// <c>$VAR</c> expansion from <paramref name="env"/>. No command (the image's default) or an unknown one runs forever.
    /// </summary>
    /// <remarks>
    /// With <paramref name="network"/>, the network tools of <see cref="NetworkCommands"/> run too (<c>wget -qO- http://web</c>,
    /// <c>nslookup</c>, <c>cat /etc/resolv.conf</c>, …), answered from the cluster network as it is when the container starts.
    /// </remarks>
    public static ContainerScript Interpret(IReadOnlyList<string> command, IReadOnlyList<string> args, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network = null)
    {
        var argv = command.Concat(args).ToList();
        if (argv.Count == 0)
        {
            return Forever;
        }
        var run = new Run(env, network);
        if (IsShell(argv[0]) && argv.Count >= 3 && argv[1] == "-c")
        {
            run.Script(argv[2]);
        }
        else
        {
            run.Simple(argv);
            if (!run.Ended)
            {
                run.End(run.LastCode);
            }
        }
        if (!run.Ended)
        {
            run.End(run.LastCode);
        }
        return new ContainerScript(run.Lines, run.Forever ? null : run.Time, run.ExitCode) { Serves = run.Serving };
    }

    /// <summary>The lines written up to <paramref name="elapsed"/> after the start.</summary>
    public IEnumerable<ScriptLine> LinesUntil(TimeSpan elapsed) => Lines.Where(l => l.At <= elapsed);

    private static bool IsShell(string program) => Path.GetFileName(program) is "sh" or "bash" or "ash" or "dash";

    private sealed class Run(IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network)
    {
        public List<ScriptLine> Lines { get; } = [];

        public TimeSpan Time { get; private set; }

        public bool Ended { get; private set; }

        public bool Forever { get; private set; }

        public bool Serving { get; private set; }

        public int ExitCode { get; private set; }

        public int LastCode { get; private set; }

        private const string ExitCodeMark = "\u0001?";

        public void End(int code)
        {
            Ended = true;
            ExitCode = code;
        }

        /// <summary>A shell script: commands separated by <c>;</c>, newlines, <c>&amp;&amp;</c> and <c>||</c>.</summary>
        public void Script(string text)
        {
            var (words, separators) = Tokenize(text);
            string? previousSeparator = null;
            for (var i = 0; i < words.Count && !Ended; i++)
            {
                var skip = previousSeparator switch
                {
                    "&&" => LastCode != 0,
                    "||" => LastCode == 0,
                    _ => false,
                };
                if (!skip && words[i].Count > 0)
                {
                    var code = LastCode.ToString(CultureInfo.InvariantCulture);
                    Simple(words[i].Select(w => w.Replace(ExitCodeMark, code, StringComparison.Ordinal)).ToList());
                }
                previousSeparator = separators[i];
            }
        }

        public void Simple(IReadOnlyList<string> argv)
        {
            var program = Path.GetFileName(argv[0]);
            var rest = argv.Skip(1).ToList();
            switch (program)
            {
                case "sleep":
                    if (rest.Count == 0 || rest[0] == "infinity" || !TryDuration(rest[0], out var duration))
                    {
                        RunForever(serving: false);
                        return;
                    }
                    Time += duration;
                    LastCode = 0;
                    break;
                case "exit":
                    End(rest.Count > 0 && int.TryParse(rest[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code & 0xFF : LastCode);
                    break;
                case "echo":
                    if (rest.Count > 0 && rest[0] == "-n")
                    {
                        rest.RemoveAt(0);
                    }
                    Lines.Add(new ScriptLine(Time, string.Join(' ', rest)));
                    LastCode = 0;
                    break;
                case "env" or "printenv" when rest.Count == 0:
                    foreach (var (name, value) in env)
                    {
                        Lines.Add(new ScriptLine(Time, $"{name}={value}"));
                    }
                    LastCode = 0;
                    break;
                case "printenv":
                    var found = env.Where(e => e.Key == rest[0]).Select(e => e.Value).LastOrDefault();
                    if (found is not null)
                    {
                        Lines.Add(new ScriptLine(Time, found));
                    }
                    LastCode = found is null ? 1 : 0;
                    break;
                case "hostname":
                    // The container's hostname is the pod's (the runtime sets HOSTNAME to it).
                    Lines.Add(new ScriptLine(Time, env.Where(e => e.Key == "HOSTNAME").Select(e => e.Value).LastOrDefault() ?? "localhost"));
                    LastCode = 0;
                    break;
                case "true" or ":":
                    LastCode = 0;
                    break;
                case "false":
                    LastCode = 1;
                    break;
                case "sh" or "bash" when rest.Count >= 2 && rest[0] == "-c":
                    Script(rest[1]);
                    break;
                case var tool when network is not null && NetworkCommands.Handles(tool) && !(tool == "cat" && rest.Count == 0):
                    var (output, exit) = NetworkCommands.Run(tool, rest, network);
                    foreach (var line in output)
                    {
                        Lines.Add(new ScriptLine(Time, line));
                    }
                    LastCode = exit;
                    break;
                default:
                    // A program the emulator does not know: it runs (a server) until stopped.
                    RunForever(serving: true);
                    break;
            }
        }

        private void RunForever(bool serving)
        {
            Forever = true;
            Serving = serving;
            Ended = true;
        }

        private static bool TryDuration(string text, out TimeSpan duration)
        {
            var unit = text.Length > 0 && char.IsLetter(text[^1]) ? text[^1] : 's';
            var number = unit == text.LastOrDefault() && char.IsLetter(unit) ? text[..^1] : text;
            duration = TimeSpan.Zero;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                return false;
            }
            duration = unit switch
            {
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => TimeSpan.FromSeconds(value),
            };
            return true;
        }

        /// <summary>Splits a script into commands (lists of words) and the separator after each.</summary>
        private (List<List<string>> Words, List<string?> Separators) Tokenize(string text)
        {
            var commands = new List<List<string>> { new() };
            var separators = new List<string?>();
            var word = new StringBuilder();
            var inWord = false;
            void EndWord()
            {
                if (inWord)
                {
                    commands[^1].Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            void EndCommand(string separator)
            {
                EndWord();
                separators.Add(separator);
                commands.Add([]);
            }
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\'')
                {
                    var end = text.IndexOf('\'', i + 1);
                    end = end < 0 ? text.Length : end;
                    word.Append(text, i + 1, end - i - 1);
                    inWord = true;
                    i = end;
                }
                else if (c == '"')
                {
                    var end = text.IndexOf('"', i + 1);
                    end = end < 0 ? text.Length : end;
                    word.Append(Expand(text.Substring(i + 1, end - i - 1)));
                    inWord = true;
                    i = end;
                }
                else if (c == '$')
                {
                    var length = VariableLength(text, i);
                    word.Append(Expand(text.Substring(i, length)));
                    inWord = true;
                    i += length - 1;
                }
                else if (c == ';' || c == '\n')
                {
                    EndCommand(";");
                }
                else if (c == '&' && i + 1 < text.Length && text[i + 1] == '&')
                {
                    EndCommand("&&");
                    i++;
                }
                else if (c == '|' && i + 1 < text.Length && text[i + 1] == '|')
                {
                    EndCommand("||");
                    i++;
                }
                else if (char.IsWhiteSpace(c))
                {
                    EndWord();
                }
                else
                {
                    word.Append(c);
                    inWord = true;
                }
            }
            EndWord();
            separators.Add(null);
            return (commands, separators);
        }

        private static int VariableLength(string text, int start)
        {
            if (start + 1 < text.Length && text[start + 1] == '?')
            {
                return 2;
            }
            if (start + 1 < text.Length && text[start + 1] == '{')
            {
                var end = text.IndexOf('}', start);
                return end < 0 ? text.Length - start : end - start + 1;
            }
            var i = start + 1;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }
            return i - start;
        }

        /// <summary>Expands <c>$NAME</c>, <c>${NAME}</c> and <c>$?</c>.</summary>
        private string Expand(string text)
        {
            var result = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] != '$' || i + 1 >= text.Length)
                {
                    result.Append(text[i]);
                    continue;
                }
                if (text[i + 1] == '?')
                {
                    // The exit code of the command before the one that uses it: filled in when that command runs.
                    result.Append(ExitCodeMark);
                    i++;
                    continue;
                }
                var length = VariableLength(text, i);
                if (length <= 1)
                {
                    result.Append('$');
                    continue;
                }
                var name = text.Substring(i + 1, length - 1).Trim('{', '}');
                result.Append(env.Where(e => e.Key == name).Select(e => e.Value).LastOrDefault() ?? "");
                i += length - 1;
            }
            return result.ToString();
        }
    }
}
