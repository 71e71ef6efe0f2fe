using Akka.Configuration;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// The messages that cross processes and their stable manifests: renaming or moving a class must not break a cluster
/// whose members run the same release. A new message gets a new manifest; a changed shape gets a new version.
/// </summary>
public static class ClusterMessages
{
    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "emulator-cluster";

    private static readonly (Type Type, string Manifest)[] Registered =
    [
        // The API store's protocol.
        (typeof(CreateObject), "store.create.v1"),
        (typeof(UpdateObject), "store.update.v1"),
        (typeof(DeleteObject), "store.delete.v1"),
        (typeof(GetObject), "store.get.v1"),
        (typeof(ListObjects), "store.list.v1"),
        (typeof(BindPod), "store.bind-pod.v1"),
        (typeof(GetStoreInfo), "store.info-request.v1"),
        (typeof(StoreReply), "store.reply.v1"),
        (typeof(ListReply), "store.list-reply.v1"),
        (typeof(StoreInfo), "store.info.v1"),
        (typeof(StoreRequestToken), "store.request-token.v1"),
        // The store's changes, fanned out to every member's watch hub.
        (typeof(WatchEvent), "store.watch-event.v1"),
        // What the API asks of the processes that host nodes.
        (typeof(ReadContainerLog), "node.read-log.v1"),
        (typeof(ContainerLogReply), "node.log.v1"),
        (typeof(StopNode), "node.stop.v1"),
        (typeof(StartNode), "node.start.v1"),
        (typeof(ListHostedNodes), "node.list-hosted.v1"),
        (typeof(HostedNodes), "node.hosted.v1"),
        (typeof(NodeCommandReply), "node.command-reply.v1"),
        (typeof(ReadNodeUsage), "node.read-usage.v1"),
        (typeof(NodeUsage), "node.usage.v1"),
        (typeof(NodeUsageUnavailable), "node.usage-unavailable.v1"),
        // Exec, attach and port-forward between an API server and a kubelet in another process (StreamBridge).
        (typeof(BridgeOpen), "stream.open.v1"),
        (typeof(BridgeFrame), "stream.frame.v1"),
        (typeof(BridgeAck), "stream.ack.v1"),
        (typeof(BridgeEnd), "stream.end.v1"),
        (typeof(OpenContainerStream), "exec.open.v1"),
        (typeof(ContainerStreamOpened), "exec.opened.v1"),
        (typeof(ContainerStreamRefused), "exec.refused.v1"),
        (typeof(ContainerStdin), "exec.stdin.v1"),
        (typeof(ContainerStdinClosed), "exec.stdin-closed.v1"),
        (typeof(TerminalResize), "exec.resize.v1"),
        (typeof(CloseContainerStream), "exec.close.v1"),
        (typeof(ContainerOutput), "exec.output.v1"),
        (typeof(ContainerStreamEnded), "exec.ended.v1"),
        (typeof(OpenPodConnection), "connection.open.v1"),
        (typeof(PodConnectionOpened), "connection.opened.v1"),
        (typeof(PodConnectionRefused), "connection.refused.v1"),
        (typeof(PodConnectionData), "connection.data.v1"),
        (typeof(PodConnectionWriteClosed), "connection.write-closed.v1"),
        (typeof(PodConnectionClosed), "connection.closed.v1"),
        // Where pods listen, announced by each member to the others (PodRoutes).
        (typeof(PodRoutesAnnounced), "network.pod-routes.v1"),
        (typeof(PodRoutesSequence), "network.pod-routes-sequence.v1"),
        (typeof(PodRoutesWanted), "network.pod-routes-wanted.v1"),
    ];

    private static readonly Dictionary<Type, string> Manifests = Registered.ToDictionary(r => r.Type, r => r.Manifest);
    private static readonly Dictionary<string, Type> Types = Registered.ToDictionary(r => r.Manifest, r => r.Type, StringComparer.Ordinal);

    /// <summary>Every message type with a binding.</summary>
    public static IReadOnlyCollection<Type> All => Manifests.Keys;

    /// <summary>The manifest of a bound type.</summary>
    public static string ManifestOf(Type type) =>
        Manifests.TryGetValue(type, out var manifest) ? manifest : throw new ArgumentException($"[{type.FullName}] is not a cluster message", nameof(type));

    /// <summary>The type of a manifest.</summary>
    public static Type TypeOf(string manifest) =>
        Types.TryGetValue(manifest, out var type) ? type : throw new System.Runtime.Serialization.SerializationException($"unknown cluster message manifest [{manifest}]");

    /// <summary>The serializer and its bindings, to go into every member's configuration.</summary>
    public static Config Serialization { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.{{SerializerName}} = "{{typeof(ClusterMessageSerializer).FullName}}, {{typeof(ClusterMessageSerializer).Assembly.GetName().Name}}"
          serialization-bindings {
        {{string.Join("\n", Registered.Select(r => $"    \"{r.Type.FullName}, {r.Type.Assembly.GetName().Name}\" = {SerializerName}"))}}
          }
        }
        """);
}
