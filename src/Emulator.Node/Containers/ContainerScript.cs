using System.Globalization;
using System.Text;

namespace Emulator.Node.Containers;

/// <summary>One log line a container writes, at an offset from its start.</summary>
public readonly record struct ScriptLine(TimeSpan At, string Text)
{
    /// <summary>True for a line written to standard error (a shell's <c>not found</c>).</summary>
    public bool Stderr { get; init; }
}

/// <summary>
/// What an emulated container does, computed once from its <c>command</c>/<c>args</c>: the lines it prints and when,
/// and when it exits with which code (<see cref="ExitAt"/> null: it runs until stopped). Emulated processes are
/// deterministic apart from their network commands' answers, so a kubelet recomputes what a running container did from
/// its start time and those answers (<see cref="PendingAt"/>: the script waits at a network command still ahead).
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
    /// Set while the process waits to run a network command at this offset from its start: the script is known up to
    /// there (<see cref="Lines"/>), and is interpreted on when the command's moment comes, with the cluster as it is then.
    /// </summary>
    public TimeSpan? PendingAt { get; init; }

    /// <summary>
    /// Interprets <paramref name="command"/> + <paramref name="args"/>: <c>sleep N</c>, <c>exit N</c>, <c>echo …</c>,
    /// <c>env</c>/<c>printenv [NAME]</c>, <c>hostname</c>, <c>true</c>/<c>false</c>, and <c>sh -c "a; b &amp;&amp; c || d"</c> sequences with
    /// <c>$VAR</c> expansion from <paramref name="env"/>. No command (the image's default) or an unknown one runs forever.
    /// </summary>
    /// <remarks>
    /// With <paramref name="network"/>, the network tools of <see cref="NetworkCommands"/> run too (<c>wget -qO- http://web</c>,
    /// <c>nslookup</c>, <c>cat /etc/resolv.conf</c>, …), answered from the cluster network as it is now; the kubelet uses the overload that runs each one at its moment.
    /// </remarks>
    public static ContainerScript Interpret(IReadOnlyList<string> command, IReadOnlyList<string> args, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network = null) =>
        Interpret(command, args, env, network, null, TimeSpan.Zero);

    /// <summary>
    /// Interprets the process as far as <paramref name="elapsed"/> after its start allows: the network commands already
    /// run (<paramref name="results"/>, in order) are replayed, those whose moment has come run now against the cluster
    /// network and are appended, and the first one still ahead suspends the script there (<see cref="PendingAt"/>). The
    /// process is deterministic apart from those answers, so interpreting again with the same results gives the same script.
    /// </summary>
    public static ContainerScript Interpret(IReadOnlyList<string> command, IReadOnlyList<string> args, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network,
        List<(IReadOnlyList<string> Output, int Exit)>? results, TimeSpan elapsed)
    {
        var argv = command.Concat(args).ToList();
        if (argv.Count == 0)
        {
            return Forever;
        }
        var run = new Run(env, network) { NetworkResults = results, Elapsed = elapsed };
        if (IsShell(argv[0]) && argv.Count >= 3 && argv[1] == "-c")
        {
            run.Script(argv[2]);
        }
        else
        {
            run.Simple(argv);
            if (!run.Ended && !run.Suspended)
            {
                run.End(run.LastCode);
            }
        }
        if (run.Suspended)
        {
            return new ContainerScript(run.Lines, null, 0) { PendingAt = run.Time };
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

    /// <summary>
    /// The interpreter state of one shell: its output so far (with the emulated time each line is written), its last
    /// exit status and whether it exited. <see cref="Interactive"/> shells (exec, attach) answer an unknown program as
    /// busybox's <c>sh</c> does (<c>sh: X: not found</c>, status 127) instead of running it as a server forever.
    /// </summary>
    internal sealed class Run(IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network)
    {
        public bool Interactive { get; init; }

        public List<ScriptLine> Lines { get; } = [];

        public TimeSpan Time { get; private set; }

        public bool Ended { get; private set; }

        public bool Forever { get; private set; }

        public bool Serving { get; private set; }

        public int ExitCode { get; private set; }

        public int LastCode { get; private set; }

        /// <summary>The answers of the network commands already run (null: every one runs as the script is read).</summary>
        public List<(IReadOnlyList<string> Output, int Exit)>? NetworkResults { get; init; }

        /// <summary>How far into the process the emulated clock is: a network command later than this suspends the script.</summary>
        public TimeSpan Elapsed { get; init; }

        /// <summary>True when the script stopped at a network command whose moment has not come.</summary>
        public bool Suspended { get; private set; }

        private int _networkCommands;

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
            for (var i = 0; i < words.Count && !Ended && !Suspended; i++)
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
                    if (NetworkResults is not null && _networkCommands >= NetworkResults.Count && Time > Elapsed)
                    {
                        Suspended = true;
                        return;
                    }
                    if (NetworkResults is not null && _networkCommands >= NetworkResults.Count)
                    {
                        NetworkResults.Add(NetworkCommands.Run(tool, rest, network));
                    }
                    var (output, exit) = NetworkResults is not null ? NetworkResults[_networkCommands] : NetworkCommands.Run(tool, rest, network);
                    _networkCommands++;
                    foreach (var line in output)
                    {
                        Lines.Add(new ScriptLine(Time, line));
                    }
                    LastCode = exit;
                    break;
                case "pwd" when Interactive:
                    Lines.Add(new ScriptLine(Time, "/"));
                    LastCode = 0;
                    break;
                case "whoami" when Interactive:
                    Lines.Add(new ScriptLine(Time, "root"));
                    LastCode = 0;
                    break;
                case "id" when Interactive:
                    Lines.Add(new ScriptLine(Time, "uid=0(root) gid=0(root) groups=0(root),10(wheel)"));
                    LastCode = 0;
                    break;
                case "sh" or "bash" or "ash" when Interactive && rest.Count == 0:
                    // A nested interactive shell is the same shell as far as the emulation goes.
                    LastCode = 0;
                    break;
                default:
                    if (Interactive)
                    {
                        // busybox ash's answer to a program not on the PATH.
                        Lines.Add(new ScriptLine(Time, $"sh: {argv[0]}: not found") { Stderr = true });
                        LastCode = 127;
                        break;
                    }
                    // A program the emulator does not know: it runs (a server) until stopped.
                    RunForever(serving: true);
                    break;
            }
        }

        /// <summary>Whether <paramref name="program"/> is one this interpreter runs itself (not a server that runs forever).</summary>
        public static bool Knows(string program) => Path.GetFileName(program) is "sleep" or "exit" or "echo" or "env" or "printenv"
            or "hostname" or "true" or ":" or "false" or "sh" or "bash" or "ash" or "dash" or "pwd" or "whoami" or "id" or "ls"
            || NetworkCommands.Handles(Path.GetFileName(program));

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
