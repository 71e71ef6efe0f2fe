using Emulator.Actors.Dispatch;
using Emulator.Actors.Event;

namespace Emulator.Actors;

/// <summary>
/// The kernel's record of one actor: its instance, mailbox, behaviour stack, children, watchers and timers.
/// Everything here except the mailbox and the children table is touched only by the thread currently running
/// the actor, one message at a time. Split by concern: children, death watch, fault handling, receive timeout.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? _current;

    private readonly LocalActorRef _self;
    private ActorBase? _actor;
    private Stack<Receive>? _behaviorStack;
    private Envelope _currentEnvelope;
    private bool _hasCurrentEnvelope;
    // Counts deliveries, so that a delivery can be told apart from another one carrying the same message.
    private long _envelopeId;
    private ActorStash? _stash;
    private ActorTimers? _timers;

    public ActorCell(ActorSystem system, LocalActorRef self, Props props, MessageDispatcher dispatcher, InternalActorRef parent)
    {
        System = system;
        _self = self;
        Props = props;
        Dispatcher = dispatcher;
        ParentRef = parent;
        Mailbox = Dispatch.Mailboxes.Create(props.Mailbox);
        Mailbox.Attach(this, dispatcher);
        system.OnActorCreated();
    }

    /// <summary>The cell whose actor runs on this thread right now (or is being constructed).</summary>
    internal static ActorCell? Current => _current;

    internal static IActorRef? CurrentSelfOrNull => _current?._self;

    public ActorSystem System { get; }

    public Props Props { get; }

    public MessageDispatcher Dispatcher { get; }

    public Mailbox Mailbox { get; }

    public InternalActorRef ParentRef { get; }

    public IActorRef Self => _self;

    internal LocalActorRef SelfRef => _self;

    public IActorRef Parent => ParentRef;

    internal ActorBase? Actor => _actor;

    internal Envelope? CurrentEnvelope => _hasCurrentEnvelope ? _currentEnvelope : null;

    /// <summary>Replaces the current envelope (so that <c>Sender</c> answers for a deferred handler); returns the previous one.</summary>
    internal Envelope? SwapCurrentEnvelope(Envelope? envelope)
    {
        var previous = CurrentEnvelope;
        _hasCurrentEnvelope = envelope.HasValue;
        _currentEnvelope = envelope ?? default;
        return previous;
    }

    internal object? CurrentMessage => _hasCurrentEnvelope ? _currentEnvelope.Message : null;

    /// <summary>Identifies the delivery being processed; changes with every user message.</summary>
    internal long CurrentEnvelopeId => _envelopeId;

    internal IActorRef? SenderOrNull => _hasCurrentEnvelope ? _currentEnvelope.Sender : null;

    public IActorRef Sender => (_hasCurrentEnvelope ? _currentEnvelope.Sender : null) ?? System.DeadLetters;

    internal IStash Stash => _stash ??= new ActorStash(this, System.Settings.StashCapacity);

    internal ITimerScheduler Timers => _timers ??= new ActorTimers(this);

    /// <summary>Sends the initial Create; called once the ref is registered with its parent.</summary>
    internal void Start() => Mailbox.PostSystem(new Create());

    /// <summary>Processes one user message.</summary>
    internal void Invoke(in Envelope envelope)
    {
        var previous = _current;
        _current = this;
        _currentEnvelope = envelope;
        _hasCurrentEnvelope = true;
        _envelopeId++;
        var message = envelope.Message;
        try
        {
            if (message is IAutoReceivedMessage)
            {
                AutoReceive(message);
            }
            else
            {
                ReceiveMessage(message);
            }
            if (_receiveTimeout is not null && InfluencesReceiveTimeout(message))
            {
                ResetReceiveTimeout();
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _hasCurrentEnvelope = false;
            _currentEnvelope = default;
            _current = previous;
        }
    }

    /// <summary>A timer's envelope counts as the message it carries (Akka's TimerMsg and its NotInfluenceReceiveTimeout variant).</summary>
    private static bool InfluencesReceiveTimeout(object message) =>
        message is TimerMessage timer ? timer.Message is not INotInfluenceReceiveTimeout : message is not INotInfluenceReceiveTimeout;

    private void ReceiveMessage(object message)
    {
        var actor = _actor;
        if (actor is null)
        {
            // The instance is gone (failed creation, or between restarts): nobody can take the message.
            SendToDeadLetters(_currentEnvelope);
            return;
        }
        var handled = _behaviorStack is { Count: > 0 } stack ? stack.Peek()(message) : actor.AroundReceive(message);
        if (!handled)
        {
            actor.CallUnhandled(message);
        }
    }

    private void AutoReceive(object message)
    {
        switch (message)
        {
            case Terminated terminated:
                ReceivedTerminated(terminated);
                break;
            case PoisonPill:
                Stop(Self);
                break;
            case Kill:
                throw new ActorKilledException("Kill");
            case Identify identify:
                SenderOrNull?.Tell(new ActorIdentity(identify.MessageId, Self), Self);
                break;
            case ReceiveTimeoutTick tick:
                ReceivedReceiveTimeoutTick(tick);
                break;
            case TimerMessage timer:
                if (_timers?.Accept(timer) is { } payload)
                {
                    _currentEnvelope = new Envelope(payload, Self);
                    if (payload is IAutoReceivedMessage)
                    {
                        AutoReceive(payload);
                    }
                    else
                    {
                        ReceiveMessage(payload);
                    }
                }
                break;
            default:
                ReceiveMessage(message);
                break;
        }
    }

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        var stack = _behaviorStack ??= new Stack<Receive>();
        if (stack.Count > 0)
        {
            stack.Pop();
        }
        stack.Push(receive);
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        (_behaviorStack ??= new Stack<Receive>()).Push(receive);
    }

    public void UnbecomeStacked()
    {
        if (_behaviorStack is { Count: > 0 } stack)
        {
            stack.Pop();
        }
    }

    public ILoggingAdapter GetLogger() => System.CreateLogger(Self.Path.ToString(), _actor?.GetType() ?? Props.ActorType);

    public IActorRef ActorOf(Props props, string? name = null) => AttachChild(props, name, systemService: false);

    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Create(System, _self, path);

    internal void SendToDeadLetters(in Envelope envelope) =>
        System.DeadLetters.Tell(new DeadLetter(envelope.Message, envelope.Sender, Self), envelope.Sender);

    internal void SystemMessageToDeadLetters(SystemMessage message)
    {
        // A watch on a dead actor is answered at once, so Terminated arrives even when the watch came too late.
        if (message is Watch watch && !watch.Watcher.Equals(_self))
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(watch.Watchee, existenceConfirmed: false, addressTerminated: false));
        }
    }

    /// <summary>Processes one system message.</summary>
    internal void SystemInvoke(SystemMessage message)
    {
        var previous = _current;
        _current = this;
        try
        {
            switch (message)
            {
                case Dispatch.Create:
                    Create();
                    break;
                case Watch watch:
                    AddWatcher(watch.Watchee, watch.Watcher);
                    break;
                case Unwatch unwatch:
                    RemoveWatcher(unwatch.Watchee, unwatch.Watcher);
                    break;
                case Recreate recreate:
                    FaultRecreate(recreate.Cause);
                    break;
                case Suspend:
                    FaultSuspend();
                    break;
                case Resume resume:
                    FaultResume(resume.CausedByFailure);
                    break;
                case Dispatch.Terminate:
                    Terminate();
                    break;
                case DeathWatchNotification dwn:
                    WatchedActorTerminated(dwn.Actor, dwn.ExistenceConfirmed, dwn.AddressTerminated);
                    break;
                case Failed failed:
                    HandleFailure(failed);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _current = previous;
        }
    }

    private ActorBase NewActor()
    {
        _behaviorStack = null;
        var previous = _current;
        _current = this;
        try
        {
            var instance = Props.NewActor() ?? throw new ActorNotCreatedException($"Props [{Props}] produced null");
            if (!ReferenceEquals(instance.Cell, this))
            {
                throw new ActorNotCreatedException($"Props [{Props}] returned an actor that belongs to another cell");
            }
            return instance;
        }
        finally
        {
            _current = previous;
        }
    }

    public override string ToString() => $"ActorCell({Self})";
}
