using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Emulator.Runtime.Logging;

/// <summary>
/// Gives an actor system the <see cref="ILoggerFactory"/> that <see cref="MicrosoftLoggingBridge"/> writes to (pass it in
/// the system's <see cref="ActorSystemSetup"/>).
/// </summary>
public sealed class LoggerFactorySetup(ILoggerFactory factory) : Setup
{
    /// <summary>Where Akka's log events go.</summary>
    public ILoggerFactory Factory { get; } = factory;
}

/// <summary>
/// An Akka logger (HOCON <c>akka.loggers</c>) that forwards the event stream's log events to
/// Microsoft.Extensions.Logging, one category per log source class, keeping the message template and exception.
/// </summary>
public sealed class MicrosoftLoggingBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>The HOCON value of <c>akka.loggers</c> that installs this bridge.</summary>
    public const string TypeName = "Emulator.Runtime.Logging.MicrosoftLoggingBridge, Emulator.Runtime";

    private readonly ILoggerFactory _factory;
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    /// <summary>Reads the factory from the system's <see cref="LoggerFactorySetup"/>.</summary>
    public MicrosoftLoggingBridge()
    {
        _factory = Context.System.Settings.Setup.Get<LoggerFactorySetup>().Value?.Factory
            ?? throw new InvalidOperationException("MicrosoftLoggingBridge needs a LoggerFactorySetup in the ActorSystemSetup");
    }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent log:
                Write(log);
                return true;
        }
        return false;
    }

    private void Write(LogEvent log)
    {
        var category = log.LogClass?.FullName ?? log.LogSource ?? "Akka";
        if (!_loggers.TryGetValue(category, out var logger))
        {
            _loggers[category] = logger = _factory.CreateLogger(category);
        }
        var level = log.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
            _ => Microsoft.Extensions.Logging.LogLevel.Error,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }
        var exception = log is Error error ? error.Cause : log is Warning warning ? warning.Cause : null;
        // The event's own rendering applies Akka's template formatting; the source says which actor wrote it.
        logger.Log(level, exception, "[{LogSource}] {Message}", log.LogSource, log.Message?.ToString());
    }
}
