using Emulator.Actors.Dispatch;
using Emulator.Actors.Scheduling;

namespace Emulator.Actors;

/// <summary>Request–response with actors from non-actor code, and piping task results back to actors.</summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and completes with the first reply. A reply of
    /// <see cref="Status.Failure"/> fails the task with its cause; no reply within <paramref name="timeout"/> (on the
    /// system clock) fails it with <see cref="AskTimeoutException"/>, and so does asking an actor that is already dead.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var reply = await AskCore(target, message, timeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            T value => value,
            null when default(T) is null => default!,
            _ => throw new InvalidCastException($"Ask expected a reply of type [{typeof(T).Name}] but got [{reply?.GetType().Name ?? "null"}]: {reply}"),
        };
    }

    private static Exception Unwrap(AggregateException e) => e.InnerExceptions.Count == 1 ? e.InnerExceptions[0] : e;

    /// <summary>Untyped ask.</summary>
    public static Task<object?> Ask(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        AskCore(target, message, timeout, cancellationToken);

    private static Task<object?> AskCore(IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (target is InternalActorRef { IsTerminated: true } or DeadLetterActorRef || target.IsNobody())
        {
            return Task.FromException<object?>(new AskTimeoutException($"Recipient [{target}] had already been terminated. Sender[] sent the message of type \"{message.GetType().FullName}\"."));
        }
        var system = SystemOf(target) ?? throw new ArgumentException($"[{target}] does not belong to a local actor system", nameof(target));
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "Ask timeout must be positive");
        }
        var promise = new PromiseActorRef(system, target, message, timeout, cancellationToken);
        target.Tell(message, promise);
        return promise.Task;
    }

    private static ActorSystem? SystemOf(IActorRef actorRef) => actorRef switch
    {
        LocalActorRef local => local.Cell.System,
        PromiseActorRef promise => promise.System,
        _ => null,
    };

    /// <summary>
    /// Sends the task's result to <paramref name="recipient"/> when it completes: the value (or <paramref name="success"/>'s
    /// mapping) on success, <see cref="Status.Failure"/> (or <paramref name="failure"/>'s mapping) on failure.
    /// </summary>
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null, Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        sender ??= ActorCell.CurrentSelfOrNull;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                recipient.Tell(success is null ? t.Result! : success(t.Result), sender);
            }
            else
            {
                var cause = t.Exception is { } e ? Unwrap(e) : new TaskCanceledException(t);
                recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Sends <see cref="Status.Success"/> or <see cref="Status.Failure"/> when a plain task completes.</summary>
    public static Task PipeTo(this Task task, IActorRef recipient, IActorRef? sender = null, Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        sender ??= ActorCell.CurrentSelfOrNull;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                recipient.Tell(success is null ? new Status.Success(null) : success(), sender);
            }
            else
            {
                var cause = t.Exception is { } e ? Unwrap(e) : new TaskCanceledException(t);
                recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

/// <summary>The temporary actor behind an ask: completes a task with the first message it receives.</summary>
internal sealed class PromiseActorRef : InternalActorRef
{
    private readonly TaskCompletionSource<object?> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;
    private readonly ICancelable _timeout;
    private readonly CancellationTokenRegistration _cancellation;
    private HashSet<InternalActorRef>? _watchers;

    public PromiseActorRef(ActorSystem system, IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        System = system;
        Path = system.NextTempPath(out _name);
        system.AddTemp(_name, this);
        _timeout = system.Scheduler.ScheduleOnce(timeout, () => Complete(null, new AskTimeoutException(
            $"Timeout after {timeout} waiting for a reply to [{message.GetType().Name}] from {target}")));
        _cancellation = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(() => Complete(null, new TaskCanceledException("Ask was cancelled")))
            : default;
    }

    public ActorSystem System { get; }

    public Task<object?> Task => _promise.Task;

    public override ActorPath Path { get; }

    public override InternalActorRef Parent => (InternalActorRef)System.DeadLetters;

    public override bool IsTerminated => _promise.Task.IsCompleted;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Complete(message, message is Status.Failure f ? f.Cause : null))
        {
            System.DeadLetters.Tell(new DeadLetter(message, sender, this), sender);
        }
    }

    private bool Complete(object? result, Exception? failure)
    {
        var completed = failure is null ? _promise.TrySetResult(result) : _promise.TrySetException(failure);
        if (!completed)
        {
            return false;
        }
        _timeout.Cancel();
        _cancellation.Dispose();
        System.RemoveTemp(_name);
        HashSet<InternalActorRef>? watchers;
        lock (_promise)
        {
            watchers = _watchers;
            _watchers = null;
        }
        if (watchers is not null)
        {
            foreach (var watcher in watchers)
            {
                watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: true, addressTerminated: false));
            }
        }
        return true;
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Watch watch when watch.Watchee.Equals(this):
                lock (_promise)
                {
                    if (!IsTerminated)
                    {
                        (_watchers ??= []).Add(watch.Watcher);
                        return;
                    }
                }
                watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false, addressTerminated: false));
                break;
            case Unwatch unwatch:
                lock (_promise)
                {
                    _watchers?.Remove(unwatch.Watcher);
                }
                break;
        }
    }
}
