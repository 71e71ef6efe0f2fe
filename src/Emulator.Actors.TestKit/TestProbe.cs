using System.Collections.Concurrent;
using Emulator.Actors.Dispatch;

namespace Emulator.Actors.TestKit;

/// <summary>
/// A test actor whose received messages queue up for the test to assert on. All waiting goes through the
/// owning <see cref="TestKitBase"/>: in deterministic mode it runs the actors on the test thread.
/// </summary>
public sealed class TestProbe
{
    private readonly TestKitBase _kit;
    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly SemaphoreSlim _arrived = new(0);

    internal TestProbe(TestKitBase kit, string name)
    {
        _kit = kit;
        Ref = kit.Sys.SystemActorOf(Props.Create(() => new ProbeActor(this)), name);
    }

    /// <summary>The probe's actor ref: pass it where an <see cref="IActorRef"/> is expected.</summary>
    public IActorRef Ref { get; }

    /// <summary>The sender of the last message taken from the queue.</summary>
    public IActorRef LastSender { get; private set; } = Nobody.Instance;

    /// <summary>Messages received and not yet taken.</summary>
    public int QueuedCount => _queue.Count;

    internal void Enqueue(Envelope envelope)
    {
        _queue.Enqueue(envelope);
        _arrived.Release();
        _kit.Signal();
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Replies to <see cref="LastSender"/>.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Forwards a message keeping <see cref="LastSender"/> as sender.</summary>
    public void Forward(IActorRef target, object message) => target.Tell(message, LastSender);

    /// <summary>Watches <paramref name="actor"/>; its <see cref="Terminated"/> arrives in the queue.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        Ref.Tell(new ProbeActor.WatchCommand(actor, Watch: true), null);
        _kit.RunUntilIdleIfDeterministic();
        return actor;
    }

    /// <summary>Stops watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        Ref.Tell(new ProbeActor.WatchCommand(actor, Watch: false), null);
        _kit.RunUntilIdleIfDeterministic();
        return actor;
    }

    /// <summary>Takes the next message, or null when none arrived within <paramref name="timeout"/>.</summary>
    public object? ReceiveOne(TimeSpan? timeout = null)
    {
        if (_kit.WaitFor(() => !_queue.IsEmpty, timeout ?? _kit.DefaultTimeout) && _queue.TryDequeue(out var envelope))
        {
            _arrived.Wait(0);
            LastSender = envelope.Sender ?? _kit.Sys.DeadLetters;
            return envelope.Message;
        }
        return null;
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> (optionally matching <paramref name="predicate"/>).</summary>
    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null, string? hint = null)
    {
        var wait = timeout ?? _kit.DefaultTimeout;
        var message = ReceiveOne(wait);
        if (message is null)
        {
            throw new TestKitAssertionException($"Timeout ({wait}) while waiting for a message of type {typeof(T).Name}{Hint(hint)}");
        }
        if (message is not T typed)
        {
            throw new TestKitAssertionException($"Expected a message of type {typeof(T).Name}, got {message.GetType().Name}: {message}{Hint(hint)}");
        }
        if (predicate is not null && !predicate(typed))
        {
            throw new TestKitAssertionException($"Message {message} did not match the predicate{Hint(hint)}");
        }
        return typed;
    }

    /// <summary>Expects a message equal to <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null) where T : notnull
    {
        var actual = ExpectMsg<T>(timeout: timeout);
        if (!Equals(actual, expected))
        {
            throw new TestKitAssertionException($"Expected message [{expected}], got [{actual}]");
        }
        return actual;
    }

    /// <summary>Expects no message within <paramref name="duration"/> (deterministic mode: once the actors are idle).</summary>
    public void ExpectNoMsg(TimeSpan? duration = null)
    {
        var wait = _kit.IsDeterministic ? TimeSpan.Zero : duration ?? TimeSpan.FromMilliseconds(100);
        _kit.WaitFor(() => !_queue.IsEmpty, wait);
        if (_queue.TryPeek(out var envelope))
        {
            throw new TestKitAssertionException($"Expected no message, got [{envelope.Message}] from {envelope.Sender}");
        }
    }

    /// <summary>Expects the <see cref="Terminated"/> of a watched actor.</summary>
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? timeout = null) =>
        ExpectMsg<Terminated>(t => t.ActorRef.Equals(actor), timeout, $"Terminated of {actor}");

    /// <summary>Receives messages until one satisfies <paramref name="isTarget"/>; returns it, dropping the others.</summary>
    public object FishForMessage(Func<object, bool> isTarget, TimeSpan? timeout = null)
    {
        var wait = timeout ?? _kit.DefaultTimeout;
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var message = ReceiveOne(left > TimeSpan.Zero ? left : TimeSpan.Zero)
                ?? throw new TestKitAssertionException($"Timeout ({wait}) while fishing for a message");
            if (isTarget(message))
            {
                return message;
            }
        }
    }

    /// <summary>Fishes for a message of type <typeparamref name="T"/> matching <paramref name="predicate"/>.</summary>
    public T FishForMessage<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) =>
        (T)FishForMessage(m => m is T t && (predicate is null || predicate(t)), timeout);

    /// <summary>Receives exactly <paramref name="count"/> messages.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null)
    {
        var wait = timeout ?? _kit.DefaultTimeout;
        var deadline = DateTime.UtcNow + wait;
        var result = new List<object>(count);
        while (result.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            var message = ReceiveOne(left > TimeSpan.Zero ? left : TimeSpan.Zero)
                ?? throw new TestKitAssertionException($"Timeout ({wait}) after {result.Count} of {count} messages");
            result.Add(message);
        }
        return result;
    }

    private static string Hint(string? hint) => hint is null ? "" : $" ({hint})";

    /// <inheritdoc />
    public override string ToString() => $"TestProbe({Ref.Path})";

    private sealed class ProbeActor(TestProbe probe) : UntypedActor
    {
        public sealed record WatchCommand(IActorRef Target, bool Watch);

        protected override void OnReceive(object message)
        {
            if (message is WatchCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Target);
                }
                else
                {
                    Context.Unwatch(command.Target);
                }
                return;
            }
            probe.Enqueue(new Envelope(message, Sender));
        }
    }
}

/// <summary>A failed test-kit expectation.</summary>
public sealed class TestKitAssertionException(string message) : Xunit.Sdk.XunitException(message);
