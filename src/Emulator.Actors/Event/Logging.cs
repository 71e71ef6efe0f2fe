using System.Text;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors.Event;

/// <summary>
/// A log line published on the event stream. <see cref="Template"/> uses Microsoft.Extensions.Logging's
/// message-template syntax (<c>"Pod {Name} started"</c>); <see cref="Message"/> is the rendered text.
/// </summary>
public sealed record LogEvent(LogLevel Level, string LogSource, Type LogClass, string Template, object?[] Args, Exception? Cause, DateTimeOffset Timestamp)
{
    private string? _message;

    /// <summary>The template with its arguments filled in.</summary>
    public string Message => _message ??= MessageTemplate.Render(Template, Args);

    /// <inheritdoc />
    public override string ToString() =>
        $"[{Level}][{Timestamp:O}][{LogSource}] {Message}{(Cause is null ? "" : Environment.NewLine + Cause)}";
}

/// <summary>Logging for actors: each call publishes a <see cref="LogEvent"/> on the event stream.</summary>
public interface ILoggingAdapter
{
    /// <summary>True when events of <paramref name="level"/> are published.</summary>
    bool IsEnabled(LogLevel level);

    /// <summary>Publishes an event.</summary>
    void Log(LogLevel level, Exception? cause, string template, params object?[] args);
}

/// <summary>Level shortcuts for <see cref="ILoggingAdapter"/>.</summary>
public static class LoggingAdapterExtensions
{
    /// <summary>Debug-level event.</summary>
    public static void Debug(this ILoggingAdapter log, string template, params object?[] args) => log.Log(LogLevel.Debug, null, template, args);

    /// <summary>Information-level event.</summary>
    public static void Info(this ILoggingAdapter log, string template, params object?[] args) => log.Log(LogLevel.Information, null, template, args);

    /// <summary>Warning-level event.</summary>
    public static void Warning(this ILoggingAdapter log, string template, params object?[] args) => log.Log(LogLevel.Warning, null, template, args);

    /// <summary>Error-level event.</summary>
    public static void Error(this ILoggingAdapter log, string template, params object?[] args) => log.Log(LogLevel.Error, null, template, args);

    /// <summary>Error-level event with its exception.</summary>
    public static void Error(this ILoggingAdapter log, Exception cause, string template, params object?[] args) => log.Log(LogLevel.Error, cause, template, args);
}

/// <summary>The adapter handed to actors and kernel components.</summary>
public sealed class BusLogging(EventStream stream, string logSource, Type logClass, LogLevel minimumLevel, Scheduling.IClock clock) : ILoggingAdapter
{
    /// <inheritdoc />
    public bool IsEnabled(LogLevel level) => level >= minimumLevel && level != LogLevel.None;

    /// <inheritdoc />
    public void Log(LogLevel level, Exception? cause, string template, params object?[] args)
    {
        if (IsEnabled(level))
        {
            stream.Publish(new LogEvent(level, logSource, logClass, template, args, cause, clock.UtcNow));
        }
    }
}

/// <summary>Renders message templates: each <c>{Name}</c> hole takes the next argument in order.</summary>
public static class MessageTemplate
{
    /// <summary>Fills the holes of <paramref name="template"/>.</summary>
    public static string Render(string template, IReadOnlyList<object?> args)
    {
        if (args.Count == 0 && !template.Contains('{'))
        {
            return template;
        }
        var sb = new StringBuilder(template.Length + 16);
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                sb.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                sb.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i);
                if (end < 0)
                {
                    sb.Append(template, i, template.Length - i);
                    break;
                }
                sb.Append(next < args.Count ? Format(args[next]) : template.Substring(i, end - i + 1));
                next++;
                i = end;
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>Forwards log events from the event stream to a Microsoft.Extensions.Logging factory.</summary>
internal static class LoggerBridge
{
    public static IDisposable Attach(EventStream stream, ILoggerFactory factory)
    {
        var loggers = new System.Collections.Concurrent.ConcurrentDictionary<string, ILogger>();
        return stream.Subscribe<LogEvent>(e =>
        {
            var logger = loggers.GetOrAdd(e.LogSource, static (source, f) => f.CreateLogger(source), factory);
            if (logger.IsEnabled(e.Level))
            {
#pragma warning disable CA2254 // the template is the event's own template
                logger.Log(e.Level, e.Cause, e.Template, e.Args);
#pragma warning restore CA2254
            }
        });
    }
}

/// <summary>The logger used when the system has no logger factory: one line per event on standard error.</summary>
internal static class StandardErrorLogger
{
    public static IDisposable Attach(EventStream stream) =>
        stream.Subscribe<LogEvent>(e => Console.Error.WriteLine(e.ToString()));
}
