using System.Text;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.Node.Containers;
using Emulator.Runtime.Actors;

namespace Emulator.Node.Kubelet;

/// <summary>A client attaches to a running process (<c>kubectl attach</c>): it gets the output from now on, and its stdin if it asked.</summary>
public sealed record AttachClient(IActorRef Client, bool Stdin, bool Stdout, bool Stderr);

/// <summary>The container's process is killed (the container stops): attached clients are told the session ended.</summary>
public sealed record KillProcess;

/// <summary>An interactive main process exited by itself (<c>exit N</c>, end of input): its container ends with that code.</summary>
public sealed record ProcessExited(string Container, int RunId, int ExitCode);

/// <summary>Output of an interactive main process, for its container's log.</summary>
public sealed record ProcessLogged(string Container, int RunId, string Text);

/// <summary>
/// One emulated process that talks to clients: a command run by <c>kubectl exec</c> (its one client; the process ends
/// when the command does, or when the client goes away), or the main process of a container with <c>stdin: true</c>
/// that reads commands from its input (<c>kubectl run -it</c>, <c>kubectl debug -it</c>: clients attach and detach, and
/// when the shell exits the container ends with its status). Output is written on the emulated clock: a line after a
/// <c>sleep 2</c> comes two emulated seconds later.
/// </summary>
public sealed class ContainerProcess : EmulatedActor
{
    private readonly IReadOnlyList<string> _argv;
    private readonly bool _tty;
    private readonly bool _stdinOnce;
    private readonly bool _exec;
    private readonly (string Container, int RunId)? _main;
    private readonly ShellSession _shell;
    private readonly LineDiscipline _input;
    private readonly Dictionary<IActorRef, AttachClient> _clients = [];
    private readonly Queue<string> _pending = new();
    private readonly List<(DateTimeOffset Due, long Order, object What)> _scheduled = [];
    private bool _readsStdin;
    private bool _passthrough;
    private bool _blocked;
    private bool _exiting;
    private bool _endOfInput;
    private long _order;
    private DateTimeOffset _busyUntil;

    /// <summary>An exec of <paramref name="argv"/> for <paramref name="client"/>.</summary>
    public ContainerProcess(IReadOnlyList<string> argv, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network, bool tty, AttachClient client)
        : this(argv, env, network, tty, stdinOnce: true, main: null)
    {
        _exec = true;
        _clients[client.Client] = client;
    }

    /// <summary>The interactive main process of container <paramref name="container"/> (its run <paramref name="runId"/>).</summary>
    public ContainerProcess(IReadOnlyList<string> argv, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network, bool tty, bool stdinOnce, string container, int runId)
        : this(argv, env, network, tty, stdinOnce, (container, runId))
    {
    }

    private ContainerProcess(IReadOnlyList<string> argv, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork? network, bool tty, bool stdinOnce, (string, int)? main)
    {
        _argv = argv;
        _tty = tty;
        _stdinOnce = stdinOnce;
        _main = main;
        // The shell's network tools (nslookup, wget, …) resolve and connect as the container does.
        _shell = new ShellSession(env, network);
        _input = new LineDiscipline(tty);
    }

    private sealed record Due;

    /// <inheritdoc />
    protected override void PreStart()
    {
        _busyUntil = Clock.UtcNow;
        foreach (var client in _clients.Keys)
        {
            Context.Watch(client);
        }
        if (_argv.Count == 0 || ShellSession.ReadsCommandsFromStdin(_argv))
        {
            _readsStdin = true;
            WritePrompt();
        }
        else if (_argv is ["cat"] || (_argv.Count == 2 && _argv[0] == "cat" && _argv[1] == "-"))
        {
            // cat copies its input to its output until the input ends.
            _passthrough = true;
        }
        else
        {
            var step = Path.GetFileName(_argv[0]) is "sh" or "bash" or "ash" or "dash" && _argv.Count >= 3 && _argv[1] == "-c"
                ? _shell.Execute(_argv[2])
                : _shell.ExecuteProgram(_argv);
            Apply(step, exitWhenDone: true);
        }
        Flush();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AttachClient attach:
                _clients[attach.Client] = attach;
                Context.Watch(attach.Client);
                Sender.Tell(new ContainerStreamOpened(Self), Self);
                break;
            case ContainerStdin stdin when !_endOfInput:
                OnInput(stdin.Data);
                break;
            case ContainerStdinClosed when _exec || _stdinOnce:
                // Without stdinOnce a container's stdin outlives its clients: one client's end of input is not the process's.
                EndOfInput();
                break;
            case ContainerStdinClosed:
                break;
            case TerminalResize:
                // The emulated programs do not lay out their output by the terminal's size.
                break;
            case CloseContainerStream close:
                Detach(close.Client);
                break;
            case Terminated terminated:
                Detach(terminated.ActorRef);
                break;
            case KillProcess:
                foreach (var client in _clients.Keys)
                {
                    client.Tell(new ContainerStreamEnded(_exec ? 137 : null), Self);
                }
                Context.Stop(Self);
                break;
            case Due:
                Flush();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Detach(IActorRef client)
    {
        if (!_clients.Remove(client, out var attached))
        {
            return;
        }
        Context.Unwatch(client);
        if (_exec)
        {
            // kubectl went away: the exec'd process goes with its stream.
            Context.Stop(Self);
        }
        else if (attached.Stdin && _stdinOnce)
        {
            // stdinOnce: the container's stdin closes when the first client that attached to it detaches.
            EndOfInput();
        }
    }

    private void OnInput(byte[] data)
    {
        if (_passthrough)
        {
            Schedule(_busyUntil, new ContainerOutput(1, data));
            Flush();
            return;
        }
        if (!_readsStdin)
        {
            return;
        }
        var input = _input.Feed(data);
        if (input.Echo.Length > 0)
        {
            // The terminal echoes as the user types, even while a command runs.
            Broadcast(new ContainerOutput(1, Encoding.UTF8.GetBytes(input.Echo)));
        }
        if (input.Interrupted && _pending.Count == 0 && !_blocked)
        {
            WritePrompt();
        }
        foreach (var line in input.Lines)
        {
            _pending.Enqueue(line);
        }
        RunPending();
        if (input.EndOfInput)
        {
            EndOfInput();
        }
        Flush();
    }

    private void EndOfInput()
    {
        if (_endOfInput)
        {
            return;
        }
        _endOfInput = true;
        if (_passthrough)
        {
            Schedule(_busyUntil, new ExitNow(0));
        }
        else if (_readsStdin)
        {
            if (_input.Rest() is { } rest)
            {
                _pending.Enqueue(rest);
            }
            RunPending();
            if (!_exiting && !_blocked)
            {
                // sh at end of input exits with the status of its last command.
                Schedule(_busyUntil, new ExitNow(_shell.LastStatus));
                _exiting = true;
            }
        }
        Flush();
    }

    private void RunPending()
    {
        while (_pending.Count > 0 && !_exiting && !_blocked)
        {
            var step = _shell.Execute(_pending.Dequeue());
            Apply(step, exitWhenDone: false);
            if (!_exiting && !_blocked)
            {
                WritePrompt();
            }
        }
    }

    private sealed record ExitNow(int Code);

    /// <summary>Schedules a step's output at its emulated times, and the exit it ends with.</summary>
    private void Apply(ShellStep step, bool exitWhenDone)
    {
        var start = _busyUntil;
        foreach (var line in step.Lines)
        {
            var stream = _tty || !line.Stderr ? 1 : 2;
            Schedule(start + line.At, new ContainerOutput(stream, Encoding.UTF8.GetBytes(line.Text + (_tty ? "\r\n" : "\n"))));
        }
        _busyUntil = start + step.Took;
        if (step.Blocked)
        {
            _blocked = true;
            return;
        }
        if (step.ExitCode is { } code || exitWhenDone)
        {
            Schedule(_busyUntil, new ExitNow(step.ExitCode ?? _shell.LastStatus));
            _exiting = true;
        }
    }

    private void WritePrompt()
    {
        if (_readsStdin && _tty)
        {
            Schedule(_busyUntil, new ContainerOutput(1, Encoding.UTF8.GetBytes(ShellSession.Prompt)));
        }
    }

    private void Schedule(DateTimeOffset due, object what) => _scheduled.Add((due, _order++, what));

    /// <summary>Sends what is due now; arms a timer for the rest.</summary>
    private void Flush()
    {
        var now = Clock.UtcNow;
        if (_busyUntil < now)
        {
            _busyUntil = now;
        }
        _scheduled.Sort((a, b) => a.Due != b.Due ? a.Due.CompareTo(b.Due) : a.Order.CompareTo(b.Order));
        while (_scheduled.Count > 0 && _scheduled[0].Due <= now)
        {
            var what = _scheduled[0].What;
            _scheduled.RemoveAt(0);
            if (what is ExitNow exit)
            {
                Exit(exit.Code);
                return;
            }
            Broadcast((ContainerOutput)what);
        }
        if (_scheduled.Count > 0)
        {
            Timers.StartSingleTimer("due", new Due(), _scheduled[0].Due - now);
        }
    }

    private void Broadcast(ContainerOutput output)
    {
        foreach (var client in _clients.Values)
        {
            if (output.Stream == 1 ? client.Stdout : client.Stderr)
            {
                client.Client.Tell(output, Self);
            }
        }
        if (_main is { } main)
        {
            Context.Parent.Tell(new ProcessLogged(main.Container, main.RunId, Encoding.UTF8.GetString(output.Data)), Self);
        }
    }

    private void Exit(int code)
    {
        foreach (var client in _clients.Keys)
        {
            // An attach reports no exit code (the container's status carries it).
            client.Tell(new ContainerStreamEnded(_exec ? code : null), Self);
        }
        if (_main is { } main)
        {
            Context.Parent.Tell(new ProcessExited(main.Container, main.RunId, code), Self);
        }
        Context.Stop(Self);
    }
}
