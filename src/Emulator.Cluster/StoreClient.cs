using Akka.Actor;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// A member's way to the API store, wherever the store runs: components send it store commands as they would the store.
/// A command's correlation stays here (it is the component's own, often a private record holding parsed objects, and
/// need not survive serialization): the command travels with a <see cref="StoreRequestToken"/> instead, and the reply
/// gets the original correlation back and goes to the original sender.
/// </summary>
public sealed class StoreClient : ReceiveActor, IWithTimers
{
    // Replies lost with a store that died are forgotten after this (asks time out after 30 s; components resync).
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(2);

    private readonly Dictionary<long, (IActorRef Sender, object? Correlation, DateTime Sent)> _pending = [];
    private long _next;

    /// <summary>Sends commands to <paramref name="store"/> (a singleton proxy).</summary>
    public StoreClient(IActorRef store)
    {
        Receive<StoreCommand>(command =>
        {
            var id = ++_next;
            _pending[id] = (Sender, command.Correlation, DateTime.UtcNow);
            store.Tell(command with { Correlation = new StoreRequestToken(id) }, Self);
        });
        Receive<StoreReply>(reply => Answer(reply.Correlation, original => reply with { Correlation = original }));
        Receive<ListReply>(reply => Answer(reply.Correlation, original => reply with { Correlation = original }));
        Receive<ForgetLost>(_ =>
        {
            var cutoff = DateTime.UtcNow - Forget;
            foreach (var id in _pending.Where(p => p.Value.Sent < cutoff).Select(p => p.Key).ToArray())
            {
                _pending.Remove(id);
            }
        });
        // Anything else (GetStoreInfo) goes as it is, answered straight to its sender.
        ReceiveAny(message => store.Forward(message));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("forget", ForgetLost.Instance, TimeSpan.FromSeconds(30));

    private void Answer(object? token, Func<object?, object> restore)
    {
        if (token is StoreRequestToken { Id: var id } && _pending.Remove(id, out var request))
        {
            request.Sender.Tell(restore(request.Correlation), Self);
        }
    }

    private sealed record ForgetLost
    {
        public static ForgetLost Instance { get; } = new();
    }
}

/// <summary>Stands for a command's correlation while the command travels to the store and back (see <see cref="StoreClient"/>).</summary>
/// <param name="Id">The command's number at its member's store client.</param>
public sealed record StoreRequestToken(long Id);
