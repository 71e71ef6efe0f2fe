using Emulator.Actors.Dispatch;
using Emulator.Actors.Scheduling;

namespace Emulator.Actors;

/// <summary>The scheduled tick behind <see cref="ReceiveTimeout"/>; stale ticks (older generation) are dropped.</summary>
internal sealed record ReceiveTimeoutTick(int Generation) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private ICancelable? _receiveTimeoutTask;
    private int _receiveTimeoutGeneration;

    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        _receiveTimeout = timeout is { } t && t > TimeSpan.Zero ? t : null;
        ResetReceiveTimeout();
    }

    /// <summary>Restarts the inactivity countdown (after any message that influences the timeout).</summary>
    private void ResetReceiveTimeout()
    {
        _receiveTimeoutTask?.Cancel();
        _receiveTimeoutTask = null;
        var generation = ++_receiveTimeoutGeneration;
        if (_receiveTimeout is { } timeout)
        {
            _receiveTimeoutTask = System.Scheduler.ScheduleTellOnce(timeout, _self, new ReceiveTimeoutTick(generation), _self);
        }
    }

    private void CancelReceiveTimeout()
    {
        _receiveTimeoutTask?.Cancel();
        _receiveTimeoutTask = null;
        _receiveTimeoutGeneration++;
    }

    private void ReceivedReceiveTimeoutTick(ReceiveTimeoutTick tick)
    {
        if (tick.Generation != _receiveTimeoutGeneration || _receiveTimeout is null)
        {
            return;
        }
        // The timeout keeps firing after each further period of inactivity (Akka semantics).
        ResetReceiveTimeout();
        _currentEnvelope = new Envelope(Actors.ReceiveTimeout.Instance, _self);
        ReceiveMessage(Actors.ReceiveTimeout.Instance);
    }
}
