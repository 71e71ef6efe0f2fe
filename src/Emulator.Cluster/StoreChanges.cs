using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// Where the store sends its changes when it runs as a cluster singleton: each one is published on the
/// <see cref="Topic"/> of distributed pub-sub, which delivers it to every member's <see cref="WatchHubFeed"/>. One
/// publisher (the store) and one subscriber per member: Akka keeps the order of messages between two actors, so every
/// watch hub sees the changes in resourceVersion order.
/// </summary>
public sealed class StoreChangePublisher : ReceiveActor
{
    /// <summary>The pub-sub topic of the store's changes.</summary>
    public const string Topic = "api-store-changes";

    /// <summary>Publishes what it receives.</summary>
    public StoreChangePublisher()
    {
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        Receive<WatchEvent>(change => mediator.Tell(new Publish(Topic, change)));
    }
}

/// <summary>Feeds this member's watch hub with the store's changes, wherever the store runs.</summary>
public sealed class WatchHubFeed : ReceiveActor
{
    private readonly List<IActorRef> _waiting = [];
    private bool _subscribed;

    /// <summary>Subscribes to the store's changes and passes them to <paramref name="hub"/>.</summary>
    public WatchHubFeed(IActorRef hub)
    {
        Receive<WatchEvent>(change => hub.Forward(change));
        Receive<SubscribeAck>(_ =>
        {
            _subscribed = true;
            _waiting.ForEach(w => w.Tell(Subscribed.Instance));
            _waiting.Clear();
        });
        Receive<AwaitSubscribed>(_ =>
        {
            if (_subscribed)
            {
                Sender.Tell(Subscribed.Instance);
            }
            else
            {
                _waiting.Add(Sender);
            }
        });
    }

    /// <inheritdoc />
    protected override void PreStart() => DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(StoreChangePublisher.Topic, Self));

    /// <summary>Asks to be told once the subscription holds (a store started before it would lose its first changes here).</summary>
    public sealed record AwaitSubscribed
    {
        /// <summary>The message.</summary>
        public static AwaitSubscribed Instance { get; } = new();
    }

    /// <summary>The subscription holds.</summary>
    public sealed record Subscribed
    {
        /// <summary>The message.</summary>
        public static Subscribed Instance { get; } = new();
    }
}
