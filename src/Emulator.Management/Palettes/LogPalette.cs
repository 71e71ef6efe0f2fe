using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;

namespace Emulator.Management.Palettes;

/// <summary>Asks the <see cref="LogRecorder"/> for its last entries at or above a level.</summary>
public sealed record PeekLog(int Count, LogLevel Level);

/// <summary>The entries a <see cref="PeekLog"/> asked for, oldest first.</summary>
public sealed record LoggedEntries(IReadOnlyList<LogEvent> Entries);

/// <summary>Streams every new entry at or above <paramref name="Level"/> into <paramref name="Sink"/> until <see cref="StopTail"/>.</summary>
public sealed record TailLog(LogLevel Level, ChannelWriter<LogEvent> Sink);

/// <summary>Ends a <see cref="TailLog"/>.</summary>
public sealed record StopTail(ChannelWriter<LogEvent> Sink);

/// <summary>
/// Keeps the last entries of the actor system's log (Akka's event stream, what the process also writes to its log
/// output) for <c>log peek</c>, and forwards new ones to the consoles that tail it.
/// </summary>
public sealed class LogRecorder : ReceiveActor
{
    private readonly Queue<LogEvent> _recent = new();
    private readonly int _capacity;
    private readonly List<(LogLevel Level, ChannelWriter<LogEvent> Sink)> _tails = [];

    /// <summary>Keeps up to <paramref name="capacity"/> entries.</summary>
    public LogRecorder(int capacity)
    {
        _capacity = capacity;
        Receive<LogEvent>(Record);
        Receive<PeekLog>(peek => Sender.Tell(new LoggedEntries(_recent.Where(e => e.LogLevel() >= peek.Level).TakeLast(peek.Count).ToList())));
        Receive<TailLog>(tail => _tails.Add((tail.Level, tail.Sink)));
        Receive<StopTail>(stop => _tails.RemoveAll(t => t.Sink == stop.Sink));
    }

    /// <inheritdoc />
    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(LogEvent));

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Record(LogEvent entry)
    {
        _recent.Enqueue(entry);
        while (_recent.Count > _capacity)
        {
            _recent.Dequeue();
        }
        foreach (var (level, sink) in _tails)
        {
            if (entry.LogLevel() >= level)
            {
                sink.TryWrite(entry);
            }
        }
    }
}

/// <summary><c>log peek | tail</c>: the actor system's log, recent or as it happens.</summary>
public sealed class LogPalette(IActorRef recorder) : Palette
{
    /// <inheritdoc />
    public override string Name => "log";

    /// <inheritdoc />
    public override string Description => "the actor system's log";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("peek", "peek [--count N] [--level L]", "the last N entries (default 50) at level L or above (debug, info, warning, error)"),
        new("tail", "tail [--level L]", "new entries as they are logged, until interrupted"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        var count = (int)(arguments.Number("--count", 1, 10_000) ?? 50);
        var level = ParseLevel(arguments.Option("--level") ?? "debug");
        arguments.Done();
        if (command == "peek")
        {
            var logged = await recorder.Ask<LoggedEntries>(new PeekLog(count, level), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            foreach (var entry in logged.Entries)
            {
                await output.Line(Format(entry)).ConfigureAwait(false);
            }
            return 0;
        }
        var channel = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        recorder.Tell(new TailLog(level, channel.Writer));
        try
        {
            await foreach (var entry in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await output.Line(Format(entry)).ConfigureAwait(false);
            }
        }
        finally
        {
            recorder.Tell(new StopTail(channel.Writer));
        }
        return 0;
    }

    /// <inheritdoc />
    public override IEnumerable<string> Complete(string command, string partial) =>
        new[] { "--level", "--count", "debug", "info", "warning", "error" }.Where(w => w.StartsWith(partial, StringComparison.Ordinal));

    private static LogLevel ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "debug" => LogLevel.DebugLevel,
        "info" => LogLevel.InfoLevel,
        "warning" or "warn" => LogLevel.WarningLevel,
        "error" => LogLevel.ErrorLevel,
        _ => throw new ConsoleUsageException($"--level must be debug, info, warning or error, got \"{text}\""),
    };

    private static string Format(LogEvent entry)
    {
        var level = entry.LogLevel().StringFor();
        var cause = entry is Error { Cause: { } error } ? $" ({error.GetType().Name}: {error.Message})" : "";
        return $"{ConsoleOutput.Time(entry.Timestamp)} {level,-7} {entry.LogSource} {entry.Message}{cause}";
    }
}
