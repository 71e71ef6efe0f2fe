using Emulator.Actors.Dispatch;
using Emulator.Actors.Event;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors;

/// <summary>Creation, failure, restart and termination of an actor, following Akka's ActorCell state machine.</summary>
internal sealed partial class ActorCell
{
    private volatile bool _terminated;
    private bool _terminating;
    // Set while this actor has reported a failure and waits for its parent's directive (or while it stops).
    private bool _failed;
    private object? _failedMessage;
    // The child whose escalated failure made this actor fail (Akka's perpetrator); it is suspended already.
    private IActorRef? _perpetrator;
    // Set while a restart waits for the children that PreRestart stopped.
    private Exception? _pendingRecreateCause;
    // Failures of children that arrived while this actor was itself failed; handled once it resumes or restarts.
    private List<Failed>? _stashedFailures;
    private SupervisorStrategy? _strategy;

    internal bool IsTerminated => _terminated;

    internal bool IsTerminating => _terminating;

    private SupervisorStrategy Strategy =>
        _strategy ??= Props.SupervisorStrategy ?? _actor?.AroundSupervisorStrategy() ?? Actors.SupervisorStrategy.DefaultStrategy;

    private void Create()
    {
        try
        {
            var created = NewActor();
            _actor = created;
            _strategy = null;
            created.AroundPreStart();
            if (_receiveTimeout is not null)
            {
                ResetReceiveTimeout();
            }
        }
        catch (Exception e)
        {
            _actor = null;
            throw new ActorInitializationException(_self, $"Exception during creation, root cause message: [{e.GetBaseException().Message}]", e);
        }
    }

    private void FaultCreate()
    {
        Mailbox.Resume();
        _failed = false;
        _failedMessage = null;
        _perpetrator = null;
        Create();
    }

    private void FaultSuspend()
    {
        Mailbox.Suspend();
        SuspendChildren();
    }

    private void FaultResume(Exception? causedByFailure)
    {
        if (_actor is null)
        {
            Log(LogLevel.Error, null, "changing Resume into Create after {Cause}", causedByFailure);
            FaultCreate();
            return;
        }
        var perpetrator = _perpetrator;
        Mailbox.Resume();
        if (causedByFailure is not null)
        {
            _failed = false;
            _failedMessage = null;
            _perpetrator = null;
        }
        // The perpetrator gets the cause, which clears its own failure.
        ResumeChildren(causedByFailure, perpetrator);
        ProcessStashedFailures();
    }

    private void FaultRecreate(Exception cause)
    {
        if (_actor is null)
        {
            Log(LogLevel.Error, null, "changing Recreate into Create after {Cause}", cause.Message);
            FaultCreate();
            return;
        }
        if (_terminating)
        {
            // Stopping wins over restarting; keep the suspend count balanced.
            FaultResume(null);
            return;
        }
        var failedActor = _actor;
        try
        {
            failedActor.AroundPreRestart(cause, _failedMessage);
        }
        catch (Exception e)
        {
            Log(LogLevel.Error, e, "Exception in PreRestart of {Actor}", Self);
        }
        finally
        {
            _actor = null;
            _timers?.CancelAll();
            _timers = null;
            CancelReceiveTimeout();
            // Stashed messages go back to the mailbox so the fresh instance handles them first, in order.
            _stash?.UnstashAll();
        }
        if (HasStoppingChildren)
        {
            _pendingRecreateCause = cause;
        }
        else
        {
            FinishRecreate(cause);
        }
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreateCause = null;
        var survivors = AllChildStats();
        try
        {
            Mailbox.Resume();
            _failed = false;
            _failedMessage = null;
            _perpetrator = null;
            var fresh = NewActor();
            _actor = fresh;
            _strategy = null;
            fresh.AroundPostRestart(cause);
            if (_receiveTimeout is not null)
            {
                ResetReceiveTimeout();
            }
            // Children that PreRestart did not stop are restarted after the parent is up again.
            foreach (var child in survivors)
            {
                child.Child.Restart(cause);
            }
            ProcessStashedFailures();
        }
        catch (Exception e)
        {
            _actor = null;
            HandleInvokeFailure(new ActorRestartException(_self, $"Exception post restart ({cause.GetType().Name})", e));
        }
    }

    private void Terminate()
    {
        if (_terminated)
        {
            return;
        }
        _receiveTimeout = null;
        CancelReceiveTimeout();
        _timers?.CancelAll();
        UnwatchWatchedActors();
        StopAllChildren();
        var wasTerminating = _terminating;
        _terminating = true;
        if (HasChildren)
        {
            if (!wasTerminating)
            {
                // No user messages while waiting for the children; no failures reported upwards during shutdown.
                Mailbox.Suspend();
                _failed = true;
            }
        }
        else
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        if (_terminated)
        {
            return;
        }
        var actor = _actor;
        try
        {
            if (actor is not null)
            {
                _stash?.UnstashAll();
                actor.AroundPostStop();
            }
        }
        catch (Exception e)
        {
            Log(LogLevel.Error, e, "Exception in PostStop of {Actor}", Self);
        }
        finally
        {
            _terminated = true;
            _actor = null;
            _behaviorStack = null;
            Mailbox.BecomeClosed();
            Mailbox.CleanUp();
            ParentRef.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: true, addressTerminated: false));
            TellWatchersWeDied();
            UnwatchWatchedActors();
            System.OnActorTerminated(this);
        }
    }

    /// <summary>
    /// The actor threw (or escalates the failure of <paramref name="perpetrator"/>): suspend it and its children and ask
    /// the parent what to do. The perpetrator is not suspended again: its own failure suspended it.
    /// </summary>
    private void HandleInvokeFailure(Exception cause, IActorRef? perpetrator = null)
    {
        if (_failed)
        {
            // Already failed (or stopping): the parent has been told, or does not need to be.
            if (_terminating)
            {
                Log(LogLevel.Error, cause, "Exception while stopping {Actor}", Self);
            }
            return;
        }
        _failed = true;
        _failedMessage = CurrentMessage;
        _perpetrator = perpetrator;
        Mailbox.Suspend();
        SuspendChildren(except: perpetrator);
        ParentRef.SendSystemMessage(new Failed(_self, cause, Self.Path.Uid));
    }

    private void HandleFailure(Failed failed)
    {
        if (_failed && !_terminating)
        {
            (_stashedFailures ??= []).Add(failed);
            return;
        }
        var stats = GetChildStats(failed.Child);
        if (stats is null || stats.Uid != failed.Uid || IsStopping(failed.Child))
        {
            // From a child that is gone or already being stopped.
            return;
        }
        if (!Strategy.HandleFailure(this, failed.Child, failed.Cause, stats, AllChildStats()))
        {
            // Escalate: this actor fails with the child's cause.
            HandleInvokeFailure(failed.Cause, failed.Child);
        }
    }

    private void ProcessStashedFailures()
    {
        if (_stashedFailures is not { Count: > 0 } stashed)
        {
            return;
        }
        _stashedFailures = null;
        foreach (var failed in stashed)
        {
            HandleFailure(failed);
        }
    }

    private void HandleChildTerminated(IActorRef child)
    {
        var noChildrenLeft = RemoveChild(child);
        try
        {
            Strategy.HandleChildTerminated(this, child);
        }
        catch (Exception e)
        {
            Log(LogLevel.Error, e, "Supervisor strategy failed on child termination of {Child}", child);
        }
        if (_terminating)
        {
            if (noChildrenLeft)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreateCause is { } cause && !HasStoppingChildren)
        {
            FinishRecreate(cause);
        }
    }

    private void Log(LogLevel level, Exception? cause, string template, params object?[] args) =>
        System.EventStream.Publish(new LogEvent(level, Self.Path.ToString(), Props.ActorType, template, args, cause, System.Scheduler.Clock.UtcNow));
}
