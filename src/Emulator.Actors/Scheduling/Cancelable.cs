namespace Emulator.Actors.Scheduling;

/// <summary>Something scheduled that can be cancelled.</summary>
public interface ICancelable
{
    /// <summary>True once cancelled.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Cancels; idempotent. A cancelled one-shot task that has not fired never fires.</summary>
    void Cancel();
}

/// <summary>A plain cancellation flag.</summary>
public class Cancelable : ICancelable
{
    private volatile bool _cancelled;

    /// <inheritdoc />
    public bool IsCancellationRequested => _cancelled;

    /// <inheritdoc />
    public virtual void Cancel() => _cancelled = true;

    /// <summary>An already-cancelled instance.</summary>
    public static ICancelable Cancelled { get; } = CreateCancelled();

    private static Cancelable CreateCancelled()
    {
        var c = new Cancelable();
        c.Cancel();
        return c;
    }
}
