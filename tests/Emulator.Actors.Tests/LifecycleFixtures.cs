namespace Emulator.Actors.Tests;

/// <summary>The failure the lifecycle and supervision tests inject.</summary>
internal sealed class TestException(string message) : Exception(message);

/// <summary>Numbers the instances one <see cref="Props"/> produces (1 for the first, 2 after the first restart...).</summary>
internal sealed class InstanceCounter
{
    private int _next;

    public int Next() => Interlocked.Increment(ref _next);
}

/// <summary>Failure injection points of a <see cref="Subject"/>.</summary>
internal sealed record SubjectOptions
{
    public static SubjectOptions Default { get; } = new();

    /// <summary>Instances (1-based) whose constructor throws.</summary>
    public Func<int, bool> FailInConstructor { get; init; } = _ => false;

    /// <summary>Instances whose PreStart throws.</summary>
    public Func<int, bool> FailInPreStart { get; init; } = _ => false;

    /// <summary>Instances whose PreRestart throws (after reporting).</summary>
    public Func<int, bool> FailInPreRestart { get; init; } = _ => false;

    /// <summary>Instances whose PostRestart throws (after reporting).</summary>
    public Func<int, bool> FailInPostRestart { get; init; } = _ => false;

    /// <summary>Children the constructor creates.</summary>
    public IReadOnlyList<(string Name, Props Props)> Children { get; init; } = [];

    /// <summary>When true, Terminated messages are reported instead of left unhandled.</summary>
    public bool HandleTerminated { get; init; }

    /// <summary>When true, PreRestart only calls PostStop: the children survive the restart.</summary>
    public bool KeepChildrenOnRestart { get; init; }
}

/// <summary>Asks a <see cref="Subject"/> to create a child and reply with its ref.</summary>
internal sealed record CreateChild(string? Name, Props Props);

/// <summary>Asks a <see cref="Subject"/> to watch an actor (and reply "watching").</summary>
internal sealed record WatchIt(IActorRef Target);

/// <summary>
/// A test actor that reports its lifecycle to <c>events</c> as strings labelled with its name and instance number
/// ("s#1 PreStart", "s#1 PreRestart boom:s#1 fail", "s#2 PostRestart boom:s#1", "s#1 PostStop") and answers commands:
/// "fail" throws, "inc"/"state" keep a counter, "who" replies with the label, "stop-self" calls Context.Stop(Self),
/// any other string is echoed back to the sender prefixed with the label.
/// </summary>
internal sealed class Subject : ReceiveActor
{
    private readonly IActorRef _events;
    private readonly SubjectOptions _options;
    private readonly int _instance;
    private readonly string _label;
    private int _state;

    public Subject(IActorRef events, string name, InstanceCounter counter, SubjectOptions options)
    {
        _events = events;
        _options = options;
        _instance = counter.Next();
        _label = $"{name}#{_instance}";
        _events.Tell($"{_label} Constructor");
        if (options.FailInConstructor(_instance))
        {
            throw new TestException($"constructor:{_label}");
        }
        foreach (var (childName, props) in options.Children)
        {
            Context.ActorOf(props, childName);
        }

        Receive<string>(_ => throw new TestException($"boom:{_label}"), m => m == "fail");
        Receive<string>(_ => _state++, m => m == "inc");
        Receive<string>(_ => Sender.Tell(_state), m => m == "state");
        Receive<string>(_ => Sender.Tell(_label), m => m == "who");
        Receive<string>(_ =>
        {
            Context.Stop(Self);
            Sender.Tell($"{_label} stop-self handled");
        }, m => m == "stop-self");
        Receive<string>(m => Sender.Tell($"{_label} {m}"));
        Receive<CreateChild>(c => Sender.Tell(Context.ActorOf(c.Props, c.Name)));
        Receive<WatchIt>(w =>
        {
            Context.Watch(w.Target);
            Sender.Tell("watching");
        });
        Receive<Terminated>(t => _events.Tell($"{_label} Terminated {t.ActorRef.Path.Name}"), _ => _options.HandleTerminated);
    }

    /// <summary>Props whose instances are numbered from 1.</summary>
    public static Props Props(IActorRef events, string name, SubjectOptions? options = null)
    {
        var counter = new InstanceCounter();
        return Actors.Props.Create(() => new Subject(events, name, counter, options ?? SubjectOptions.Default));
    }

    protected override void PreStart()
    {
        _events.Tell($"{_label} PreStart");
        if (_options.FailInPreStart(_instance))
        {
            throw new TestException($"prestart:{_label}");
        }
    }

    protected override void PostStop() => _events.Tell($"{_label} PostStop");

    protected override void PreRestart(Exception reason, object? message)
    {
        _events.Tell($"{_label} PreRestart {reason.Message} {message ?? "<none>"}");
        if (_options.FailInPreRestart(_instance))
        {
            throw new TestException($"prerestart:{_label}");
        }
        if (_options.KeepChildrenOnRestart)
        {
            PostStop();
            return;
        }
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        _events.Tell($"{_label} PostRestart {reason.Message}");
        if (_options.FailInPostRestart(_instance))
        {
            throw new TestException($"postrestart:{_label}");
        }
        base.PostRestart(reason);
    }
}
