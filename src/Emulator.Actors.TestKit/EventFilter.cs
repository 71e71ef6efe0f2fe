using Emulator.Actors.Event;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors.TestKit;

/// <summary>Builds event filters: <c>EventFilter.Exception&lt;T&gt;().Expect(1, () =&gt; ...)</c>.</summary>
public readonly struct EventFilterFactory
{
    private readonly TestKitBase _kit;

    internal EventFilterFactory(TestKitBase kit) => _kit = kit;

    /// <summary>Error events caused by an exception of type <typeparamref name="T"/> (or a subtype).</summary>
    public EventFilter Exception<T>(string? messageContains = null, string? source = null) where T : Exception =>
        new(_kit, e => e is LogEvent { Cause: T } log && Matches(log, messageContains, source, checkCauseMessage: true));

    /// <summary>Events of <paramref name="level"/> whose message contains <paramref name="messageContains"/>.</summary>
    public EventFilter Log(LogLevel level, string? messageContains = null, string? source = null) =>
        new(_kit, e => e is LogEvent log && log.Level == level && Matches(log, messageContains, source, checkCauseMessage: false));

    /// <summary>Error events.</summary>
    public EventFilter Error(string? messageContains = null, string? source = null) => Log(LogLevel.Error, messageContains, source);

    /// <summary>Warning events.</summary>
    public EventFilter Warning(string? messageContains = null, string? source = null) => Log(LogLevel.Warning, messageContains, source);

    /// <summary>Information events.</summary>
    public EventFilter Info(string? messageContains = null, string? source = null) => Log(LogLevel.Information, messageContains, source);

    /// <summary>Dead letters whose message is a <typeparamref name="T"/>.</summary>
    public EventFilter DeadLetter<T>(Func<T, bool>? predicate = null) =>
        new(_kit, e => e is DeadLetter { Message: T m } && (predicate is null || predicate(m)));

    private static bool Matches(LogEvent log, string? contains, string? source, bool checkCauseMessage) =>
        (source is null || log.LogSource == source)
        && (contains is null || log.Message.Contains(contains, StringComparison.Ordinal)
            || (checkCauseMessage && log.Cause?.Message.Contains(contains, StringComparison.Ordinal) == true));
}

/// <summary>
/// Counts (and mutes) matching events while an action runs, then asserts how many there were. In deterministic
/// mode the actors run until idle before counting.
/// </summary>
public sealed class EventFilter
{
    private readonly TestKitBase _kit;
    private readonly Func<object, bool> _predicate;
    private int _count;

    internal EventFilter(TestKitBase kit, Func<object, bool> predicate)
    {
        _kit = kit;
        _predicate = predicate;
    }

    /// <summary>Matching events seen so far.</summary>
    public int Count => Volatile.Read(ref _count);

    internal bool TryMatch(object e)
    {
        if (!_predicate(e))
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>Runs <paramref name="action"/> and asserts that exactly <paramref name="expected"/> matching events occurred.</summary>
    public void Expect(int expected, Action action, TimeSpan? timeout = null) => Expect<object?>(expected, () =>
    {
        action();
        return null;
    }, timeout);

    /// <summary>Runs <paramref name="action"/>, asserts the count and returns the action's result.</summary>
    public T Expect<T>(int expected, Func<T> action, TimeSpan? timeout = null)
    {
        _kit.AddFilter(this);
        try
        {
            var result = action();
            _kit.WaitFor(() => Count >= expected, timeout ?? _kit.DefaultTimeout);
            _kit.RunUntilIdleIfDeterministic();
            if (Count != expected)
            {
                throw new TestKitAssertionException($"Expected {expected} matching event(s), got {Count}");
            }
            return result;
        }
        finally
        {
            _kit.RemoveFilter(this);
        }
    }

    /// <summary>Mutes matching events while <paramref name="action"/> runs, without counting.</summary>
    public void Mute(Action action)
    {
        _kit.AddFilter(this);
        try
        {
            action();
            _kit.RunUntilIdleIfDeterministic();
        }
        finally
        {
            _kit.RemoveFilter(this);
        }
    }
}
