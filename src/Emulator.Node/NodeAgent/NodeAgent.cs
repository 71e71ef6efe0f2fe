using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Hosting;
using Emulator.Runtime.Actors;

namespace Emulator.Node.NodeAgent;

/// <summary>
/// The node half of a kubelet: registers the <c>Node</c> object (labels, capacity, addresses), renews the
/// node's Lease in <c>kube-node-lease</c> every 10 s (the heartbeat the node lifecycle controller watches), and posts
/// the node status at least every 5 minutes — at once when the stored Ready condition is not what this healthy node
/// reports (a lifecycle controller marked it Unknown while the node was stopped). Parents the node's kubelet and
/// starts it again when it dies. Watches its own Node for the pod CIDR the node IPAM controller gives it and tells the
/// kubelet (its network plugin has no configuration until then: pods wait).
/// </summary>
public sealed class NodeAgent : EmulatedActor
{
    /// <summary>The kubelet version the node reports.</summary>
    public const string KubeletVersion = "v1.33.0";

    private readonly NodeOptions _node;
    private readonly IActorRef _store;
    private readonly IActorRef _hub;
    private readonly IActorRef _events;
    private readonly IActorRef _runtime;
    private IActorRef? _kubelet;
    private DateTimeOffset _lastStatus = DateTimeOffset.MinValue;
    private bool _registered;
    private bool _watching;
    private bool _leaseExists;
    private bool _announcedReady;
    private string _uid = "";
    private string? _podCidr;

    /// <summary>Creates the agent of <paramref name="node"/>; its kubelet records into the host's container <paramref name="runtime"/>.</summary>
    public NodeAgent(NodeOptions node, IActorRef store, IActorRef hub, IActorRef events, IActorRef runtime)
    {
        _runtime = runtime;
        _node = node;
        _store = store;
        _hub = hub;
        _events = events;
    }

    private sealed record Beat;

    private sealed record StartKubelet;

    private enum Op
    {
        Lookup,
        Register,
        Update,
        Status,
        Check,
        LeaseCreate,
        LeaseUpdate,
    }

    /// <summary>The node's kubelet actor (null while it restarts).</summary>
    internal IActorRef? KubeletRef => _kubelet;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Send(new GetObject(ResourceTypes.Nodes, null, _node.Name), Op.Lookup);
        Self.Tell(new StartKubelet(), Self);
        // kube-proxy, the node's other agent: it programs the node's Service rules.
        var (nodeName, zone) = (_node.Name, _node.Zone);
        Context.ActorOf(Props.Create(() => new Network.ServiceProxy(nodeName, zone)), "service-proxy");
        Timers.StartPeriodicTimer("beat", new Beat(), _node.LeaseRenewInterval, _node.LeaseRenewInterval);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartKubelet:
                if (_kubelet is null)
                {
                    _kubelet = Context.ActorOf(Props.Create(() => new Kubelet.Kubelet(_node, _store, _hub, _events, _runtime)), "kubelet");
                    Context.Watch(_kubelet);
                    if (_podCidr is not null)
                    {
                        _kubelet.Tell(new Kubelet.PodCidrAssigned(_podCidr), Self);
                    }
                }
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_kubelet):
                // A dead kubelet is started again after an emulated second: it recalls its node's state from the
                // container runtime and adopts its pods.
                _kubelet = null;
                Timers.StartSingleTimer("start-kubelet", new StartKubelet(), TimeSpan.FromSeconds(1));
                break;
            case Beat:
                Heartbeat();
                break;
            case ReadContainerLog read:
                if (_kubelet is { } kubelet)
                {
                    kubelet.Forward(read);
                }
                else
                {
                    Sender.Tell(new ContainerLogReply(null, new ApiStatus(503, "ServiceUnavailable", $"the kubelet of node {_node.Name} is restarting")), Self);
                }
                break;
            case OpenContainerStream open:
                if (_kubelet is { } streamKubelet)
                {
                    streamKubelet.Forward(open);
                }
                else
                {
                    Sender.Tell(new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", $"the kubelet of node {_node.Name} is restarting")), Self);
                }
                break;
            case ReadNodeUsage usage:
                if (_kubelet is { } usageKubelet)
                {
                    usageKubelet.Forward(usage);
                }
                else
                {
                    Sender.Tell(new NodeUsageUnavailable(_node.Name, $"the kubelet of node {_node.Name} is restarting") { Correlation = usage.Correlation }, Self);
                }
                break;
            case OpenPodConnection open:
                if (_kubelet is { } connectionKubelet)
                {
                    connectionKubelet.Forward(open);
                }
                else
                {
                    open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.NodeUnavailable, $"the kubelet of node {_node.Name} is restarting"), Self);
                }
                break;
            case WatchEvent change when change.Object.Name == _node.Name && change.Type != WatchEventType.Deleted:
                SeePodCidr(change.Object);
                break;
            case WatchEvent:
                break;
            case WatchExpired:
                _hub.Tell(new StopWatch(Self), Self);
                _watching = false;
                Send(new GetObject(ResourceTypes.Nodes, null, _node.Name), Op.Check);
                break;
            case StoreReply { Correlation: Op op } reply:
                OnReply(op, reply);
                break;
            case StoreReply:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Send(StoreCommand command, Op op) => _store.Tell(command with { Correlation = op }, Self);

    private void OnReply(Op op, StoreReply reply)
    {
        switch (op)
        {
            case Op.Lookup when reply.Error is { Code: 404 }:
                Send(new CreateObject(ResourceTypes.Nodes, NodeObject(null)), Op.Register);
                break;
            case Op.Lookup when reply.Object is { } existing:
                // Registered before (a restart): bring labels and pod CIDR up to date, keep what others set (taints).
                _uid = existing.Uid;
                WatchNode(existing);
                var updated = NodeObject(existing.ToJsonObject());
                if (!JsonTree.DeepEquals(updated, existing.ToJsonObject()))
                {
                    Send(new UpdateObject(ResourceTypes.Nodes, updated), Op.Update);
                }
                Registered(existing.ToJsonObject());
                break;
            case Op.Register when reply.Object is { } created:
                _uid = created.Uid;
                WatchNode(created);
                NodeEvent("Normal", "Starting", "Starting kubelet.");
                Registered(created.ToJsonObject());
                break;
            case Op.Register when reply.Error is { Code: 409 }:
                Send(new GetObject(ResourceTypes.Nodes, null, _node.Name), Op.Lookup);
                break;
            case Op.Check when reply.Error is { Code: 404 }:
                // The Node object was deleted: register again, as a kubelet does.
                _registered = false;
                Send(new CreateObject(ResourceTypes.Nodes, NodeObject(null)), Op.Register);
                break;
            case Op.Check when reply.Object is { } current:
                WatchNode(current);
                var now = Clock.UtcNow;
                var status = current.ToJsonObject()["status"] as JsonObject;
                var ready = status is null ? null : Conditions.Find(status, "Ready");
                var healthy = ready is not null && JsonTree.GetString(ready, "status") == "True" && JsonTree.GetString(ready, "reason") == "KubeletReady";
                if (!healthy || now - _lastStatus >= _node.StatusReportInterval)
                {
                    PostStatus(status);
                }
                break;
            case Op.LeaseCreate when reply.IsSuccess:
                _leaseExists = true;
                break;
            case Op.LeaseCreate when reply.Error is { Code: 409 }:
                _leaseExists = true;
                Send(new UpdateObject(ResourceTypes.Leases, Lease()), Op.LeaseUpdate);
                break;
            case Op.LeaseUpdate when reply.Error is { Code: 404 }:
                Send(new CreateObject(ResourceTypes.Leases, Lease()), Op.LeaseCreate);
                break;
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _hub.Tell(new StopWatch(Self), Self);
        base.PostStop();
    }

    /// <summary>Follows the stored Node from <paramref name="stored"/> on (the kubelet's node informer) and reads its pod CIDR.</summary>
    private void WatchNode(StoredObject stored)
    {
        SeePodCidr(stored);
        if (!_watching)
        {
            _watching = true;
            var name = _node.Name;
            _hub.Tell(new StartWatch(ResourceTypes.Nodes.Key, null, stored.ResourceVersion, obj => obj.Name == name, Self), Self);
        }
    }

    private void SeePodCidr(StoredObject stored)
    {
        var spec = stored.Parsed.Document["spec"] as JsonObject;
        var cidr = spec?["podCIDRs"] is JsonArray { Count: > 0 } cidrs ? JsonTree.AsString(cidrs[0]) : spec is null ? null : JsonTree.GetString(spec, "podCIDR");
        if (cidr is not null && cidr != _podCidr)
        {
            _podCidr = cidr;
            _kubelet?.Tell(new Kubelet.PodCidrAssigned(cidr), Self);
        }
    }

    private void Registered(JsonObject node)
    {
        _registered = true;
        PostStatus(node["status"] as JsonObject);
        Heartbeat();
    }

    private void Heartbeat()
    {
        if (!_registered)
        {
            return;
        }
        Send(_leaseExists ? new UpdateObject(ResourceTypes.Leases, Lease()) : new CreateObject(ResourceTypes.Leases, Lease()),
            _leaseExists ? Op.LeaseUpdate : Op.LeaseCreate);
        Send(new GetObject(ResourceTypes.Nodes, null, _node.Name), Op.Check);
    }

    private JsonObject Lease() => new()
    {
        ["apiVersion"] = "coordination.k8s.io/v1",
        ["kind"] = "Lease",
        ["metadata"] = new JsonObject
        {
            ["name"] = _node.Name,
            ["namespace"] = "kube-node-lease",
            ["ownerReferences"] = _uid.Length == 0 ? null : new JsonArray(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["name"] = _node.Name,
                ["uid"] = _uid,
            }),
        },
        ["spec"] = new JsonObject
        {
            ["holderIdentity"] = _node.Name,
            ["leaseDurationSeconds"] = _node.LeaseDurationSeconds,
            ["renewTime"] = Rfc3339Time.FormatMicro(Clock.UtcNow),
        },
    };

    /// <summary>The Node object as this node registers it (merged into <paramref name="existing"/> when given).</summary>
    private JsonObject NodeObject(JsonObject? existing)
    {
        var node = existing?.DeepClone().AsObject() ?? new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = _node.Name },
        };
        var obj = new KubeObject(node);
        obj.SetLabel("beta.kubernetes.io/arch", "amd64");
        obj.SetLabel("beta.kubernetes.io/os", "linux");
        obj.SetLabel("kubernetes.io/arch", "amd64");
        obj.SetLabel("kubernetes.io/hostname", _node.Name);
        obj.SetLabel("kubernetes.io/os", "linux");
        obj.SetLabel("topology.kubernetes.io/region", _node.Region);
        obj.SetLabel("topology.kubernetes.io/zone", _node.Zone);
        obj.SetAnnotation("node.alpha.kubernetes.io/ttl", "0");
        obj.SetAnnotation("volumes.kubernetes.io/controller-managed-attach-detach", "true");
        // Where this kubelet answers: API servers in other processes send logs and metrics requests there.
        obj.SetAnnotation(KubeletMember.Annotation, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());
        // spec.podCIDR is not the kubelet's to set: the node IPAM controller gives it (kept as stored on a restart).
        obj.EnsureSpec();
        return node;
    }

    private void PostStatus(JsonObject? stored)
    {
        var now = Clock.UtcNow;
        _lastStatus = now;
        var stamp = Rfc3339Time.Format(now);
        var conditions = new JsonArray();
        foreach (var (type, conditionStatus, reason, message) in new[]
        {
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        })
        {
            var previous = stored is null ? null : Conditions.Find(stored, type);
            var transition = previous is not null && JsonTree.GetString(previous, "status") == conditionStatus
                ? JsonTree.GetString(previous, "lastTransitionTime") ?? stamp
                : stamp;
            conditions.Add(new JsonObject
            {
                ["type"] = type,
                ["status"] = conditionStatus,
                ["lastHeartbeatTime"] = stamp,
                ["lastTransitionTime"] = transition,
                ["reason"] = reason,
                ["message"] = message,
            });
        }
        var resources = new JsonObject
        {
            ["cpu"] = _node.Cpu,
            ["ephemeral-storage"] = "104857600Ki",
            ["hugepages-1Gi"] = "0",
            ["hugepages-2Mi"] = "0",
            ["memory"] = _node.Memory,
            ["pods"] = _node.Pods.ToString(CultureInfo.InvariantCulture),
        };
        var machineId = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(_node.Name)));
        var status = new JsonObject
        {
            ["capacity"] = resources,
            ["allocatable"] = resources.DeepClone(),
            ["conditions"] = conditions,
            ["addresses"] = new JsonArray(
                new JsonObject { ["type"] = "InternalIP", ["address"] = _node.InternalIp },
                new JsonObject { ["type"] = "Hostname", ["address"] = _node.Name }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
            ["nodeInfo"] = new JsonObject
            {
                ["machineID"] = machineId,
                ["systemUUID"] = new Guid(Convert.FromHexString(machineId)).ToString(),
                ["bootID"] = new Guid(Convert.FromHexString(machineId)).ToString(),
                ["kernelVersion"] = "6.8.0-emulator",
                ["osImage"] = "Emulator Linux",
                ["containerRuntimeVersion"] = "containerd://1.7.27",
                ["kubeletVersion"] = KubeletVersion,
                ["kubeProxyVersion"] = KubeletVersion,
                ["operatingSystem"] = "linux",
                ["architecture"] = "amd64",
            },
        };
        Send(new UpdateObject(ResourceTypes.Nodes, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = _node.Name },
            ["status"] = status,
        }, UpdateScope.Status), Op.Status);
        var wasReady = stored is not null && Conditions.Find(stored, "Ready") is { } r && JsonTree.GetString(r, "status") == "True";
        if (!wasReady || !_announcedReady)
        {
            _announcedReady = true;
            NodeEvent("Normal", "NodeReady", $"Node {_node.Name} status is now: NodeReady");
        }
    }

    private void NodeEvent(string type, string reason, string message) =>
        _events.Tell(new RecordEvent(new InvolvedObject("v1", "Node", null, _node.Name, _uid), type, reason, message, "kubelet", _node.Name), Self);
}
