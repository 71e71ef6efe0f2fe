using System.Text;

namespace Emulator.Node.Containers;

/// <summary>What one command line of an interactive shell did: the lines it wrote (offsets from when it began), how long it took, and whether the shell exited.</summary>
/// <param name="Lines">The output, stdout and stderr, in order.</param>
/// <param name="Took">The emulated time the line took (its <c>sleep</c>s).</param>
/// <param name="ExitCode">The shell's exit status when the line ended it (<c>exit N</c>), else null.</param>
/// <param name="Blocked">True when the line never ends (<c>sleep infinity</c>): the shell reads nothing more.</param>
public sealed record ShellStep(IReadOnlyList<ScriptLine> Lines, TimeSpan Took, int? ExitCode, bool Blocked);

/// <summary>
/// An emulated busybox <c>sh</c> reading commands from its standard input, one line at a time, with the interpreter
/// of container commands (<see cref="ContainerScript"/>): what <c>kubectl exec -it POD -- sh</c>, <c>kubectl run -it</c>
/// and <c>kubectl debug -it</c> talk to. An unknown program answers <c>sh: X: not found</c> (status 127) as busybox does;
/// end of input exits with the last command's status, as <c>sh</c> does.
/// </summary>
public sealed class ShellSession(IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network = null)
{
    /// <summary>busybox ash's default prompt for root in <c>/</c> (<c>PS1='\w \$ '</c>).</summary>
    public const string Prompt = "/ # ";

    private readonly ContainerScript.Run _run = new(env, network) { Interactive = true };

    /// <summary>The status of the last command.</summary>
    public int LastStatus => _run.LastCode;

    /// <summary>Runs one command line.</summary>
    public ShellStep Execute(string line)
    {
        var firstLine = _run.Lines.Count;
        var startedAt = _run.Time;
        _run.Script(line);
        var lines = _run.Lines.Skip(firstLine).Select(l => l with { At = l.At - startedAt }).ToList();
        var took = _run.Time - startedAt;
        if (_run.Forever)
        {
            return new ShellStep(lines, took, null, Blocked: true);
        }
        return new ShellStep(lines, took, _run.Ended ? _run.ExitCode : null, Blocked: false);
    }

    /// <summary>
    /// Runs a command given to <c>kubectl exec</c> directly (no shell in between): a program this emulation does not
    /// know is refused as the container runtime refuses it (status 126), since no shell is there to say <c>not found</c>.
    /// </summary>
    public ShellStep ExecuteProgram(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0)
        {
            return new ShellStep([], TimeSpan.Zero, 0, false);
        }
        if (!ContainerScript.Run.Knows(argv[0]))
        {
            var message = $"OCI runtime exec failed: exec failed: unable to start container process: exec: \"{argv[0]}\": executable file not found in $PATH: unknown";
            return new ShellStep([new ScriptLine(TimeSpan.Zero, message)], TimeSpan.Zero, 126, false);
        }
        _run.Simple(argv);
        var lines = _run.Lines.ToList();
        if (_run.Forever)
        {
            return new ShellStep(lines, _run.Time, null, Blocked: true);
        }
        return new ShellStep(lines, _run.Time, _run.Ended ? _run.ExitCode : _run.LastCode, Blocked: false);
    }

    /// <summary>True when <paramref name="argv"/> starts a shell that reads its commands from standard input.</summary>
    public static bool ReadsCommandsFromStdin(IReadOnlyList<string> argv) =>
        argv.Count >= 1 && Path.GetFileName(argv[0]) is "sh" or "bash" or "ash" or "dash"
        && !argv.Skip(1).Any(a => a == "-c" || !a.StartsWith('-'));
}

/// <summary>
/// A terminal's line discipline as a pty in canonical mode applies it to what a user types: input is echoed, Enter ends
/// a line (echoed as CR LF), Backspace erases, Ctrl-C discards the line (<c>^C</c>), Ctrl-D on an empty line is end of
/// input. Without a tty, lines end at LF and nothing is echoed.
/// </summary>
public sealed class LineDiscipline(bool tty)
{
    private readonly StringBuilder _line = new();
    private int _escape;

    /// <summary>What one input chunk produced.</summary>
    /// <param name="Echo">The bytes a tty echoes back.</param>
    /// <param name="Lines">Complete lines, in order.</param>
    /// <param name="Interrupted">True when Ctrl-C discarded the line.</param>
    /// <param name="EndOfInput">True when Ctrl-D ended the input.</param>
    public sealed record Input(string Echo, IReadOnlyList<string> Lines, bool Interrupted, bool EndOfInput);

    /// <summary>Feeds bytes the client sent.</summary>
    public Input Feed(ReadOnlySpan<byte> data)
    {
        var echo = new StringBuilder();
        var lines = new List<string>();
        var interrupted = false;
        foreach (var c in Encoding.UTF8.GetString(data))
        {
            if (!tty)
            {
                if (c == '\n')
                {
                    lines.Add(_line.ToString());
                    _line.Clear();
                }
                else
                {
                    _line.Append(c);
                }
                continue;
            }
            if (_escape > 0)
            {
                // Cursor keys and the like (ESC [ X): nothing this shell edits with.
                _escape = _escape == 1 && c == '[' ? 2 : 0;
                continue;
            }
            switch (c)
            {
                case '\x1b':
                    _escape = 1;
                    break;
                case '\r' or '\n':
                    echo.Append("\r\n");
                    lines.Add(_line.ToString());
                    _line.Clear();
                    break;
                case '\x7f' or '\b':
                    if (_line.Length > 0)
                    {
                        _line.Length--;
                        echo.Append("\b \b");
                    }
                    break;
                case '\x03':
                    echo.Append("^C\r\n");
                    _line.Clear();
                    interrupted = true;
                    break;
                case '\x04' when _line.Length == 0:
                    return new Input(echo.ToString(), lines, interrupted, EndOfInput: true);
                case < ' ' and not '\t':
                    break;
                default:
                    echo.Append(c);
                    _line.Append(c);
                    break;
            }
        }
        return new Input(echo.ToString(), lines, interrupted, EndOfInput: false);
    }

    /// <summary>The unterminated last line at end of input (a shell still runs it), or null.</summary>
    public string? Rest()
    {
        if (_line.Length == 0)
        {
            return null;
        }
        var rest = _line.ToString();
        _line.Clear();
        return rest;
    }
}
