using System.Collections.Concurrent;
using System.Globalization;
using Emulator.Actors.Event;
using Emulator.Actors.TestKit;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors.Tests;

/// <summary>Actor logging: log events on the event stream, level filtering, and the Microsoft.Extensions.Logging bridge.</summary>
public sealed class LoggingTests : TestKitBase
{
    private const string ActorPath = "emu://test/user/logger";

    [Fact]
    public void An_actor_logger_publishes_LogEvents_with_the_actor_path_as_source_and_the_rendered_message()
    {
        var events = new ConcurrentQueue<LogEvent>();
        using var subscription = Sys.EventStream.Subscribe<LogEvent>(events.Enqueue);
        var actor = ActorOf(() => new Logger(), "logger");

        actor.Tell(new LogThis(LogLevel.Information, "Pod {Name} has {Count} containers", ["web", 3]));
        RunUntilIdleIfDeterministic();

        var e = Assert.Single(events, e => e.LogSource == ActorPath);
        Assert.Equal(LogLevel.Information, e.Level);
        Assert.Equal(typeof(Logger), e.LogClass);
        Assert.Equal("Pod {Name} has {Count} containers", e.Template);
        Assert.Equal("Pod web has 3 containers", e.Message);
        Assert.Equal(Sys.Clock.UtcNow, e.Timestamp);
        Assert.Null(e.Cause);
    }

    [Fact]
    public void An_error_event_carries_its_exception()
    {
        var events = new ConcurrentQueue<LogEvent>();
        using var subscription = Sys.EventStream.Subscribe<LogEvent>(events.Enqueue);
        var actor = ActorOf(() => new Logger(), "logger");
        var cause = new InvalidOperationException("disk full");

        actor.Tell(new LogThis(LogLevel.Error, "Write to {Volume} failed", ["data"], cause));
        RunUntilIdleIfDeterministic();

        var e = Assert.Single(events, e => e.LogSource == ActorPath);
        Assert.Equal(LogLevel.Error, e.Level);
        Assert.Same(cause, e.Cause);
        Assert.Equal("Write to data failed", e.Message);
    }

    [Fact]
    public void Events_below_the_configured_level_are_not_published()
    {
        using var kit = new LevelKit(LogLevel.Warning);
        var events = new ConcurrentQueue<LogEvent>();
        using var subscription = kit.Sys.EventStream.Subscribe<LogEvent>(events.Enqueue);
        var actor = kit.ActorOf(() => new Logger(), "logger");

        foreach (var level in new[] { LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error })
        {
            actor.Tell(new LogThis(level, "at {Level}", [level]));
        }
        actor.Tell(new IsEnabledQuery(LogLevel.Information), kit.TestActor);
        kit.ExpectMsg(false);
        actor.Tell(new IsEnabledQuery(LogLevel.Warning), kit.TestActor);
        kit.ExpectMsg(true);

        Assert.Equal([LogLevel.Warning, LogLevel.Error], events.Where(e => e.LogSource == ActorPath).Select(e => e.Level));
    }

    [Fact]
    public void Debug_events_are_published_when_the_configured_level_is_debug()
    {
        using var kit = new LevelKit(LogLevel.Debug);
        var events = new ConcurrentQueue<LogEvent>();
        using var subscription = kit.Sys.EventStream.Subscribe<LogEvent>(events.Enqueue);
        var actor = kit.ActorOf(() => new Logger(), "logger");

        actor.Tell(new LogThis(LogLevel.Trace, "trace", []));
        actor.Tell(new LogThis(LogLevel.Debug, "debug", []));
        kit.RunUntilIdleIfDeterministic();

        Assert.Equal(["debug"], events.Where(e => e.LogSource == ActorPath).Select(e => e.Message));
    }

    [Fact]
    public void The_logger_factory_receives_actor_events_under_the_actor_path_with_template_values()
    {
        var factory = new RecordingLoggerFactory(LogLevel.Trace);
        using var kit = new FactoryKit(factory);
        var actor = kit.ActorOf(() => new Logger(), "logger");
        var cause = new InvalidOperationException("boom");

        actor.Tell(new LogThis(LogLevel.Information, "Pod {Name} has {Count} containers", ["web", 3]));
        actor.Tell(new LogThis(LogLevel.Error, "Pod {Name} crashed", ["db"], cause));
        kit.RunUntilIdleIfDeterministic();

        var entries = factory.Entries.Where(e => e.Category == ActorPath).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(LogLevel.Information, entries[0].Level);
        Assert.Equal("Pod web has 3 containers", entries[0].Message);
        Assert.Contains(new KeyValuePair<string, object?>("Name", "web"), entries[0].Values);
        Assert.Contains(new KeyValuePair<string, object?>("Count", 3), entries[0].Values);
        Assert.Null(entries[0].Exception);
        Assert.Equal(LogLevel.Error, entries[1].Level);
        Assert.Equal("Pod db crashed", entries[1].Message);
        Assert.Same(cause, entries[1].Exception);
    }

    [Fact]
    public void The_logger_factory_only_gets_levels_its_loggers_enable()
    {
        var factory = new RecordingLoggerFactory(LogLevel.Warning);
        using var kit = new FactoryKit(factory);
        var actor = kit.ActorOf(() => new Logger(), "logger");

        actor.Tell(new LogThis(LogLevel.Information, "info", []));
        actor.Tell(new LogThis(LogLevel.Warning, "warning", []));
        kit.RunUntilIdleIfDeterministic();

        Assert.Equal(["warning"], factory.Entries.Where(e => e.Category == ActorPath).Select(e => e.Message));
    }

    [Fact]
    public void The_logger_factory_does_not_get_events_below_the_system_level()
    {
        var factory = new RecordingLoggerFactory(LogLevel.Trace);
        using var kit = new FactoryKit(factory, LogLevel.Warning);
        var actor = kit.ActorOf(() => new Logger(), "logger");

        actor.Tell(new LogThis(LogLevel.Debug, "debug", []));
        actor.Tell(new LogThis(LogLevel.Information, "info", []));
        actor.Tell(new LogThis(LogLevel.Error, "error", []));
        kit.RunUntilIdleIfDeterministic();

        Assert.Equal(["error"], factory.Entries.Where(e => e.Category == ActorPath).Select(e => e.Message));
    }

    [Fact]
    public void Message_templates_fill_holes_in_order_keep_escaped_braces_and_format_invariantly()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal("{literal} 1.5 and null, then {Missing}", MessageTemplate.Render("{{literal}} {A} and {B}, then {Missing}", [1.5, null]));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    private sealed record LogThis(LogLevel Level, string Template, object?[] Args, Exception? Cause = null);

    private sealed record IsEnabledQuery(LogLevel Level);

    private sealed class Logger : ReceiveActor
    {
        public Logger()
        {
            var log = Context.GetLogger();
            Receive<LogThis>(l => log.Log(l.Level, l.Cause, l.Template, l.Args));
            Receive<IsEnabledQuery>(q => Sender.Tell(log.IsEnabled(q.Level)));
        }
    }

    private sealed class LevelKit(LogLevel level) : TestKitBase(ActorSystemSettings.DeterministicWithSeed(0) with { LogLevel = level });

    private sealed class FactoryKit(ILoggerFactory factory, LogLevel level = LogLevel.Trace)
        : TestKitBase(ActorSystemSettings.DeterministicWithSeed(0) with { LoggerFactory = factory, LogLevel = level });

    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> Values);

    /// <summary>A logger factory that records what its loggers are asked to write, at or above a minimum level.</summary>
    private sealed class RecordingLoggerFactory(LogLevel minimum) : ILoggerFactory
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new RecordingLogger(this, categoryName, minimum);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }
    }

    private sealed class RecordingLogger(RecordingLoggerFactory factory, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            factory.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception, values.ToArray()));
        }
    }
}
