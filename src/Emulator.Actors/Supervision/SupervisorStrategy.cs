using Emulator.Actors.Event;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors;

/// <summary>What a parent does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the instance and its state; continue with the next message.</summary>
    Resume,

    /// <summary>Replace the instance with a fresh one; the mailbox is kept.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the parent with the same cause.</summary>
    Escalate,
}

/// <summary>
/// How an actor supervises its children: a decider maps a failure to a <see cref="Directive"/>, and restarts are
/// limited to <c>maxNrOfRetries</c> within a time window (measured on the system clock), after which the child is stopped.
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>Creates a strategy.</summary>
    /// <param name="maxNrOfRetries">Restarts allowed in the window; -1 for no limit, 0 to never restart.</param>
    /// <param name="withinTimeRange">The window; null or non-positive for an unbounded window.</param>
    /// <param name="decider">Maps a failure to a directive.</param>
    /// <param name="loggingEnabled">Whether failures are logged.</param>
    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled)
    {
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange is { } w && w > TimeSpan.Zero ? w : null;
        Decider = decider;
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Restarts allowed in the window; -1 for no limit.</summary>
    public int MaxNrOfRetries { get; }

    /// <summary>The restart window, or null.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>Maps a failure to a directive.</summary>
    public Func<Exception, Directive> Decider { get; }

    /// <summary>Whether failures are logged.</summary>
    public bool LoggingEnabled { get; }

    /// <summary>
    /// Akka's default decider: stop on <see cref="ActorInitializationException"/>, <see cref="ActorKilledException"/>
    /// and <see cref="DeathPactException"/>; restart on any other exception. An <see cref="ActorRestartException"/>
    /// (the new instance's constructor or <c>PostRestart</c> failed) stops too: it is Akka's PostRestartException,
    /// an initialization failure, and restarting again would only repeat it.
    /// </summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorRestartException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one with <see cref="DefaultDecider"/> and unlimited restarts.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops any failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Applies the directive for a failure; returns false to escalate.</summary>
    internal bool HandleFailure(ActorCell parent, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        var directive = Decider(cause);
        LogFailure(parent, child, cause, directive);
        switch (directive)
        {
            case Directive.Resume:
                ((InternalActorRef)child).Resume(cause);
                return true;
            case Directive.Restart:
                ProcessFailure(parent, restart: true, child, cause, stats, children);
                return true;
            case Directive.Stop:
                ProcessFailure(parent, restart: false, child, cause, stats, children);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Applies a restart or stop to the failed child (one-for-one) or to all children (all-for-one).</summary>
    internal abstract void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children);

    /// <summary>Called when a child has stopped.</summary>
    internal virtual void HandleChildTerminated(ActorCell parent, IActorRef child) { }

    internal bool RequestRestartPermission(ChildRestartStats stats, ActorCell parent) =>
        stats.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, parent.System.Scheduler.Clock.Elapsed);

    private void LogFailure(ActorCell parent, IActorRef child, Exception cause, Directive directive)
    {
        if (!LoggingEnabled || directive == Directive.Escalate)
        {
            return;
        }
        var source = child.Path.ToString();
        var message = cause is ActorInitializationException init && init.InnerException is { } inner
            ? $"{init.Message}: {inner.Message}"
            : cause.Message;
        var level = directive == Directive.Resume ? LogLevel.Warning : LogLevel.Error;
        parent.System.EventStream.Publish(new LogEvent(level, source, typeof(SupervisorStrategy), message, [], cause, parent.System.Scheduler.Clock.UtcNow));
    }

    internal static void RestartChild(IActorRef child, Exception cause, bool suspendFirst)
    {
        var c = (InternalActorRef)child;
        if (suspendFirst)
        {
            c.Suspend();
        }
        c.Restart(cause);
    }
}

/// <summary>Applies the directive only to the child that failed.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(-1, null, decider, loggingEnabled) { }

    /// <summary>Creates the strategy with a restart limit.</summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled) { }

    internal override void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        if (restart && RequestRestartPermission(stats, parent))
        {
            RestartChild(child, cause, suspendFirst: false);
        }
        else
        {
            parent.Stop(child);
        }
    }
}

/// <summary>Applies the directive to every child when one fails (siblings are suspended, then restarted).</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>Creates the strategy with unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(-1, null, decider, loggingEnabled) { }

    /// <summary>Creates the strategy with a restart limit.</summary>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled) { }

    internal override void ProcessFailure(ActorCell parent, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyList<ChildRestartStats> children)
    {
        if (children.Count == 0)
        {
            return;
        }
        var allowed = restart;
        if (restart)
        {
            // Every child's window is charged, as in Akka: all must agree to restart.
            foreach (var c in children)
            {
                allowed &= RequestRestartPermission(c, parent);
            }
        }
        foreach (var c in children)
        {
            if (allowed)
            {
                RestartChild(c.Child, cause, suspendFirst: !c.Child.Equals(child));
            }
            else
            {
                parent.Stop(c.Child);
            }
        }
    }
}

/// <summary>A child of an actor with its restart bookkeeping.</summary>
internal sealed class ChildRestartStats(InternalActorRef child)
{
    private int _retries;
    private long _windowStartTicks = -1;

    public InternalActorRef Child { get; } = child;

    public long Uid => Child.Path.Uid;

    public int RetriesInWindow => _retries;

    /// <summary>Akka's rules: no limit → allowed; a limit without window counts forever; with a window the count resets when the window has passed.</summary>
    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan? window, TimeSpan now)
    {
        if (maxNrOfRetries == 0)
        {
            return false;
        }
        if (window is null)
        {
            if (maxNrOfRetries < 0)
            {
                return true;
            }
            _retries++;
            return _retries <= maxNrOfRetries;
        }
        var retries = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var retriesDone = _retries + 1;
        if (_windowStartTicks < 0)
        {
            _windowStartTicks = now.Ticks;
        }
        if (now.Ticks - _windowStartTicks <= window.Value.Ticks)
        {
            _retries = retriesDone;
            return retriesDone <= retries;
        }
        _retries = 1;
        _windowStartTicks = now.Ticks;
        return true;
    }
}
