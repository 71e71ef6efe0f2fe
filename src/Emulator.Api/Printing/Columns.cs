using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Api.Printing;

/// <summary>The columns real Kubernetes (1.33) prints per kind; kinds without their own get NAME and AGE.</summary>
public static partial class Columns
{
    private static readonly Column Name = new("Name", "string", 0, "Name must be unique within a namespace.", (o, _) => Meta(o, "name"), "name");
    private static readonly Column Age = new("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.", (o, now) => AgeOf(o, now));
    private static readonly Column Containers = new("Containers", "string", 1, "Names of each container in the template.", (o, _) => string.Join(",", TemplateContainers(o).Select(c => S(c, "name"))));
    private static readonly Column Images = new("Images", "string", 1, "Images referenced by each container in the template.", (o, _) => string.Join(",", TemplateContainers(o).Select(c => S(c, "image"))));
    private static readonly Column Selector = new("Selector", "string", 1, "Label selector.", (o, _) => SelectorText(o["spec"]?["selector"] as JsonObject));

    /// <summary>The columns of <paramref name="kind"/>.</summary>
    public static IReadOnlyList<Column> For(string kind) => kind switch
    {
        "Pod" =>
        [
            Name,
            new("Ready", "string", 0, "The number of containers that are ready.", (o, _) => PodStatus.Ready(o)),
            new("Status", "string", 0, "The aggregate status of the containers in this pod.", (o, _) => PodStatus.Reason(o)),
            new("Restarts", "string", 0, "The number of times the containers in this pod have been restarted.", (o, now) => PodStatus.Restarts(o, now)),
            Age,
            new("IP", "string", 1, "IP address allocated to the pod.", (o, _) => S(o["status"], "podIP") ?? "<none>"),
            new("Node", "string", 1, "Name of the Node this pod runs on.", (o, _) => S(o["spec"], "nodeName") ?? "<none>"),
            new("Nominated Node", "string", 1, "Name of the Node nominated by the scheduler.", (o, _) => S(o["status"], "nominatedNodeName") ?? "<none>"),
            new("Readiness Gates", "string", 1, "The pod's readiness gates.", (o, _) => o["spec"]?["readinessGates"] is JsonArray { Count: > 0 } gates ? $"0/{gates.Count}" : "<none>"),
        ],
        "Deployment" =>
        [
            Name,
            new("Ready", "string", 0, "Number of the pod with ready state.", (o, _) => $"{I(o["status"], "readyReplicas")}/{I(o["spec"], "replicas")}"),
            new("Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", (o, _) => I(o["status"], "updatedReplicas")),
            new("Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", (o, _) => I(o["status"], "availableReplicas")),
            Age, Containers, Images, Selector,
        ],
        "ReplicaSet" =>
        [
            Name,
            new("Desired", "integer", 0, "Number of desired pods.", (o, _) => I(o["spec"], "replicas")),
            new("Current", "integer", 0, "Number of actual replicas.", (o, _) => I(o["status"], "replicas")),
            new("Ready", "integer", 0, "Number of ready replicas.", (o, _) => I(o["status"], "readyReplicas")),
            Age, Containers, Images, Selector,
        ],
        "StatefulSet" =>
        [
            Name,
            new("Ready", "string", 0, "Number of the pod with ready state.", (o, _) => $"{I(o["status"], "readyReplicas")}/{I(o["spec"], "replicas")}"),
            Age, Containers, Images,
        ],
        "DaemonSet" =>
        [
            Name,
            new("Desired", "integer", 0, "The desired number of nodes that should be running the daemon pod.", (o, _) => I(o["status"], "desiredNumberScheduled")),
            new("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod.", (o, _) => I(o["status"], "currentNumberScheduled")),
            new("Ready", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of it running and ready.", (o, _) => I(o["status"], "numberReady")),
            new("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod.", (o, _) => I(o["status"], "updatedNumberScheduled")),
            new("Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of it running and available.", (o, _) => I(o["status"], "numberAvailable")),
            new("Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node.", (o, _) => MapText(o["spec"]?["template"]?["spec"]?["nodeSelector"] as JsonObject)),
            Age, Containers, Images, Selector,
        ],
        "Job" =>
        [
            Name,
            new("Status", "string", 0, "Status of the job.", (o, _) => JobStatus(o)),
            new("Completions", "string", 0, "The completion status of the job.", (o, _) => $"{I(o["status"], "succeeded")}/{(o["spec"]?["completions"] is JsonValue c ? c.GetValue<int>().ToString(CultureInfo.InvariantCulture) : "1")}"),
            new("Duration", "string", 0, "Time required to complete the job.", (o, now) => JobDuration(o, now)),
            Age, Containers, Images, Selector,
        ],
        "CronJob" =>
        [
            Name,
            new("Schedule", "string", 0, "The schedule in Cron format.", (o, _) => S(o["spec"], "schedule")),
            new("Timezone", "string", 0, "The time zone name for the given schedule.", (o, _) => S(o["spec"], "timeZone") ?? "<none>"),
            new("Suspend", "boolean", 0, "Whether the cron job is suspended.", (o, _) => o["spec"]?["suspend"]?.GetValue<bool>() ?? false ? "True" : "False"),
            new("Active", "integer", 0, "Number of currently running jobs.", (o, _) => (o["status"]?["active"] as JsonArray)?.Count ?? 0),
            new("Last Schedule", "string", 0, "When the job was last successfully scheduled.", (o, now) => o["status"]?["lastScheduleTime"] is JsonValue t ? HumanDuration.Format(now - DateTimeOffset.Parse(t.GetValue<string>(), CultureInfo.InvariantCulture)) : "<none>"),
            Age, Containers, Images, Selector,
        ],
        "Service" =>
        [
            Name,
            new("Type", "string", 0, "The type of the service.", (o, _) => S(o["spec"], "type") ?? "ClusterIP"),
            new("Cluster-IP", "string", 0, "The IP address of the service.", (o, _) => S(o["spec"], "clusterIP") ?? "<none>"),
            new("External-IP", "string", 0, "The external IPs of the service.", (o, _) => ServiceExternalIp(o)),
            new("Port(s)", "string", 0, "The ports of the service.", (o, _) => ServicePorts(o)),
            Age,
            new("Selector", "string", 1, "The selector of the service.", (o, _) => MapText(o["spec"]?["selector"] as JsonObject)),
        ],
        "PersistentVolume" =>
        [
            Name,
            new("Capacity", "string", 0, "capacity is the description of the persistent volume's resources and capacity.", (o, _) => S(o["spec"]?["capacity"], "storage") ?? ""),
            new("Access Modes", "string", 0, "accessModes contains all ways the volume can be mounted.", (o, _) => AccessModes(o["spec"]?["accessModes"] as JsonArray)),
            new("Reclaim Policy", "string", 0, "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.", (o, _) => S(o["spec"], "persistentVolumeReclaimPolicy") ?? ""),
            new("Status", "string", 0, "phase indicates if a volume is available, bound to a claim, or released by a claim.", (o, _) => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : S(o["status"], "phase") ?? ""),
            new("Claim", "string", 0, "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.", (o, _) => o["spec"]?["claimRef"] is JsonObject claim ? $"{S(claim, "namespace")}/{S(claim, "name")}" : ""),
            new("StorageClass", "string", 0, "StorageClass of the pv", (o, _) => S(o["metadata"]?["annotations"], "volume.beta.kubernetes.io/storage-class") ?? S(o["spec"], "storageClassName") ?? ""),
            new("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pv", (o, _) => S(o["spec"], "volumeAttributesClassName") is { Length: > 0 } c ? c : "<unset>"),
            new("Reason", "string", 0, "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.", (o, _) => S(o["status"], "reason") ?? ""),
            Age,
            new("VolumeMode", "string", 1, "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", (o, _) => S(o["spec"], "volumeMode") ?? "<unset>"),
        ],
        "PersistentVolumeClaim" =>
        [
            Name,
            new("Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim.", (o, _) => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : S(o["status"], "phase") ?? ""),
            new("Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim.", (o, _) => S(o["spec"], "volumeName") ?? ""),
            new("Capacity", "string", 0, "capacity represents the actual resources of the underlying volume.", (o, _) => S(o["spec"], "volumeName") is { Length: > 0 } ? S(o["status"]?["capacity"], "storage") ?? "" : ""),
            new("Access Modes", "string", 0, "accessModes contains the actual access modes the volume backing the PVC has.", (o, _) => S(o["spec"], "volumeName") is { Length: > 0 } ? AccessModes(o["status"]?["accessModes"] as JsonArray) : ""),
            new("StorageClass", "string", 0, "StorageClass of the pvc", (o, _) => S(o["metadata"]?["annotations"], "volume.beta.kubernetes.io/storage-class") ?? S(o["spec"], "storageClassName") ?? ""),
            new("VolumeAttributesClass", "string", 0, "VolumeAttributesClass of the pvc", (o, _) => S(o["spec"], "volumeAttributesClassName") is { Length: > 0 } c ? c : "<unset>"),
            Age,
            new("VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim.", (o, _) => S(o["spec"], "volumeMode") ?? "<unset>"),
        ],
        "StorageClass" =>
        [
            // kubectl marks the default class after its name.
            new("Name", "string", 0, "Name must be unique within a namespace.", (o, _) => IsDefaultClass(o) ? $"{Meta(o, "name")} (default)" : Meta(o, "name"), "name"),
            new("Provisioner", "string", 0, "provisioner indicates the type of the provisioner.", (o, _) => S(o, "provisioner") ?? ""),
            new("ReclaimPolicy", "string", 0, "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.", (o, _) => S(o, "reclaimPolicy") ?? "Delete"),
            new("VolumeBindingMode", "string", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.", (o, _) => S(o, "volumeBindingMode") ?? "Immediate"),
            new("AllowVolumeExpansion", "string", 0, "allowVolumeExpansion shows whether the storage class allow volume expand.", (o, _) => o["allowVolumeExpansion"] is JsonValue v && v.TryGetValue<bool>(out var allow) && allow),
            Age,
        ],
        "Namespace" => [Name, new("Status", "string", 0, "The status of the namespace.", (o, _) => S(o["status"], "phase") ?? "Active"), Age],
        "Node" =>
        [
            Name,
            new("Status", "string", 0, "The status of the node.", (o, _) => NodeStatus(o)),
            new("Roles", "string", 0, "The roles of the node.", (o, _) => NodeRoles(o)),
            Age,
            new("Version", "string", 0, "Kubelet version.", (o, _) => S(o["status"]?["nodeInfo"], "kubeletVersion") ?? ""),
            new("Internal-IP", "string", 1, "Internal IP of the node.", (o, _) => Address(o, "InternalIP")),
            new("External-IP", "string", 1, "External IP of the node.", (o, _) => Address(o, "ExternalIP")),
            new("OS-Image", "string", 1, "OS image of the node.", (o, _) => S(o["status"]?["nodeInfo"], "osImage") ?? "<unknown>"),
            new("Kernel-Version", "string", 1, "Kernel version of the node.", (o, _) => S(o["status"]?["nodeInfo"], "kernelVersion") ?? "<unknown>"),
            new("Container-Runtime", "string", 1, "Container runtime of the node.", (o, _) => S(o["status"]?["nodeInfo"], "containerRuntimeVersion") ?? "<unknown>"),
        ],
        "ConfigMap" => [Name, new("Data", "integer", 0, "Number of data entries.", (o, _) => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)), Age],
        "Secret" => [Name, new("Type", "string", 0, "The type of the secret.", (o, _) => S(o, "type") ?? "Opaque"), new("Data", "integer", 0, "Number of data entries.", (o, _) => (o["data"] as JsonObject)?.Count ?? 0), Age],
        "Lease" => [Name, new("Holder", "string", 0, "The holder of the lease.", (o, _) => S(o["spec"], "holderIdentity") ?? ""), Age],
        "Event" =>
        [
            new("Last Seen", "string", 0, "Time since the event was last seen.", (o, now) => EventAge(o, now)),
            new("Type", "string", 0, "Type of the event.", (o, _) => S(o, "type") ?? ""),
            new("Reason", "string", 0, "Reason of the event.", (o, _) => S(o, "reason") ?? ""),
            new("Object", "string", 0, "The object the event is about.", (o, _) => $"{S(o["involvedObject"], "kind")?.ToLowerInvariant()}/{S(o["involvedObject"], "name")}"),
            new("Message", "string", 0, "The message of the event.", (o, _) => S(o, "message") ?? ""),
        ],
        _ => ForMoreKinds(kind) ?? ForApiServerKinds(kind) ?? ForEndpoints(kind) ?? [Name, Age],
    };

    private static object? Meta(JsonObject o, string field) => S(o["metadata"], field);

    /// <summary>kubectl's access mode abbreviations, in its order (RWO, ROX, RWX, RWOP).</summary>
    private static string AccessModes(JsonArray? modes)
    {
        var present = (modes ?? []).Select(m => m is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).ToHashSet();
        var order = new[] { ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP") };
        return string.Join(",", order.Where(m => present.Contains(m.Item1)).Select(m => m.Item2));
    }

    /// <summary>The default-class annotation (or its beta form) is "true".</summary>
    private static bool IsDefaultClass(JsonObject o) =>
        S(o["metadata"]?["annotations"], "storageclass.kubernetes.io/is-default-class") == "true"
        || S(o["metadata"]?["annotations"], "storageclass.beta.kubernetes.io/is-default-class") == "true";

    internal static string? S(JsonNode? node, string field) => node?[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    internal static int I(JsonNode? node, string field) => node?[field] is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    private static string AgeOf(JsonObject o, DateTimeOffset now) =>
        S(o["metadata"], "creationTimestamp") is { } t ? HumanDuration.Format(now - DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)) : "<unknown>";

    private static IEnumerable<JsonNode> TemplateContainers(JsonObject o) =>
        (o["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? o["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonNode>();

    private static string SelectorText(JsonObject? selector)
    {
        if (selector is null)
        {
            return "<none>";
        }
        var terms = new List<string>();
        if (selector["matchLabels"] is JsonObject labels)
        {
            terms.AddRange(labels.Select(p => $"{p.Key}={p.Value?.GetValue<string>()}"));
        }
        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = S(e, "key");
                var values = string.Join(",", (e["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()));
                terms.Add(S(e, "operator") switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "Exists" => key!,
                    "DoesNotExist" => $"!{key}",
                    _ => "",
                });
            }
        }
        return terms.Count == 0 ? "<none>" : string.Join(",", terms);
    }

    private static string MapText(JsonObject? map) =>
        map is null || map.Count == 0 ? "<none>" : string.Join(",", map.Select(p => $"{p.Key}={p.Value?.GetValue<string>()}"));

    /// <summary>
    /// kubectl's getServiceExternalIP (the server prints wide, so nothing is cut): the load-balancer ingress addresses
    /// (sorted, unique) then the external IPs for a LoadBalancer, <c>&lt;pending&gt;</c> while it has none, the external
    /// name for an ExternalName, the external IPs or <c>&lt;none&gt;</c> otherwise.
    /// </summary>
    private static string ServiceExternalIp(JsonObject o)
    {
        var externalIps = (o["spec"]?["externalIPs"] as JsonArray)?.Select(i => i?.GetValue<string>()).OfType<string>().ToList() ?? [];
        switch (S(o["spec"], "type") ?? "ClusterIP")
        {
            case "LoadBalancer":
                var ingress = (o["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.OfType<JsonObject>()
                    .Select(i => S(i, "ip") is { Length: > 0 } ip ? ip : S(i, "hostname")).OfType<string>().Where(a => a.Length > 0)
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() ?? [];
                var all = ingress.Concat(externalIps).ToList();
                return all.Count > 0 ? string.Join(",", all) : "<pending>";
            case "ExternalName":
                return S(o["spec"], "externalName") ?? "";
            default:
                return externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>";
        }
    }

    private static string ServicePorts(JsonObject o)
    {
        if (o["spec"]?["ports"] is not JsonArray { Count: > 0 } ports)
        {
            return "<none>";
        }
        return string.Join(",", ports.OfType<JsonObject>().Select(p =>
        {
            var port = p["port"]?.GetValue<int>();
            var protocol = S(p, "protocol") ?? "TCP";
            return p["nodePort"] is JsonValue nodePort ? $"{port}:{nodePort.GetValue<int>()}/{protocol}" : $"{port}/{protocol}";
        }));
    }

    private static string NodeStatus(JsonObject o)
    {
        var ready = (o["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => S(c, "type") == "Ready");
        // As kubectl's printer: Ready True → Ready, any other status (False or Unknown) → NotReady, no condition → Unknown.
        var status = ready is null ? "Unknown" : S(ready, "status") == "True" ? "Ready" : "NotReady";
        if (o["spec"]?["unschedulable"]?.GetValue<bool>() == true)
        {
            status += ",SchedulingDisabled";
        }
        return status;
    }

    private static string NodeRoles(JsonObject o)
    {
        var roles = (o["metadata"]?["labels"] as JsonObject)?.Select(p => p.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).ToArray() ?? [];
        return roles.Length == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string Address(JsonObject o, string type) =>
        (o["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(a => S(a, "type") == type) is { } a ? S(a, "address") ?? "<none>" : "<none>";

    private static string JobStatus(JsonObject o)
    {
        var conditions = (o["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Where(c => S(c, "status") == "True").Select(c => S(c, "type")).ToHashSet() ?? [];
        return conditions.Contains("Complete") ? "Complete"
            : conditions.Contains("Failed") ? "Failed"
            : conditions.Contains("Suspended") ? "Suspended"
            : conditions.Contains("FailureTarget") ? "FailureTarget"
            : conditions.Contains("SuccessCriteriaMet") ? "SuccessCriteriaMet"
            : "Running";
    }

    private static string JobDuration(JsonObject o, DateTimeOffset now)
    {
        if (S(o["status"], "startTime") is not { } start)
        {
            return "";
        }
        var end = S(o["status"], "completionTime") is { } c ? DateTimeOffset.Parse(c, CultureInfo.InvariantCulture) : now;
        return HumanDuration.Format(end - DateTimeOffset.Parse(start, CultureInfo.InvariantCulture));
    }

    private static string EventAge(JsonObject o, DateTimeOffset now)
    {
        var last = S(o, "lastTimestamp") ?? S(o, "eventTime") ?? S(o["metadata"], "creationTimestamp");
        return last is null ? "<unknown>" : HumanDuration.Format(now - DateTimeOffset.Parse(last, CultureInfo.InvariantCulture));
    }
}
