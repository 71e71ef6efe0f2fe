using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Api.Printing;

/// <summary>Columns of the kinds beyond workloads, storage and events (RBAC, networking, policy, admission...).</summary>
public static partial class Columns
{
    private static readonly Column CreatedAt = new("Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.", (o, _) => CreatedAtOf(o));

    // printRoleBinding and printClusterRoleBinding: the role as Kind/name, subjects split by kind for -o wide.
    private static readonly Column[] BindingColumns =
    [
        Name,
        new("Role", "string", 0, "RoleRef is the reference to the role the subjects are bound to.", (o, _) => $"{S(o["roleRef"], "kind")}/{S(o["roleRef"], "name")}"),
        Age,
        new("Users", "string", 1, "Users in the roleBinding", (o, _) => Subjects(o, "User")),
        new("Groups", "string", 1, "Groups in the roleBinding", (o, _) => Subjects(o, "Group")),
        new("ServiceAccounts", "string", 1, "ServiceAccounts in the roleBinding", (o, _) => Subjects(o, "ServiceAccount")),
    ];

    private static readonly Column[] WebhookColumns =
    [
        Name,
        new("Webhooks", "integer", 0, "Webhooks indicates the number of webhooks included in this configuration.", (o, _) => (o["webhooks"] as JsonArray)?.Count ?? 0),
        Age,
    ];

    private static IReadOnlyList<Column>? ForMoreKinds(string kind) => kind switch
    {
        "ServiceAccount" => [Name, new("Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", (o, _) => (o["secrets"] as JsonArray)?.Count ?? 0), Age],
        "ReplicationController" =>
        [
            Name,
            new("Desired", "integer", 0, "Number of desired pods.", (o, _) => I(o["spec"], "replicas")),
            new("Current", "integer", 0, "Number of actual replicas.", (o, _) => I(o["status"], "replicas")),
            new("Ready", "integer", 0, "Number of ready replicas.", (o, _) => I(o["status"], "readyReplicas")),
            Age, Containers, Images,
            new("Selector", "string", 1, "Label selector.", (o, _) => SortedMapText(o["spec"]?["selector"] as JsonObject)),
        ],
        "PodTemplate" =>
        [
            Name,
            new("Containers", "string", 0, "Names of each container in the template.", (o, _) => string.Join(",", PodTemplateContainers(o).Select(c => S(c, "name")))),
            new("Images", "string", 0, "Images referenced by each container in the template.", (o, _) => string.Join(",", PodTemplateContainers(o).Select(c => S(c, "image")))),
            new("Pod Labels", "string", 0, "The labels for the pod template.", (o, _) => SortedMapText(o["template"]?["metadata"]?["labels"] as JsonObject)),
        ],
        "ResourceQuota" =>
        [
            Name, Age,
            new("Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume.", (o, _) => QuotaColumn(o, limits: false)),
            new("Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", (o, _) => QuotaColumn(o, limits: true)),
        ],
        "LimitRange" or "Role" or "ClusterRole" or "CustomResourceDefinition" => [Name, CreatedAt],
        "RoleBinding" or "ClusterRoleBinding" => BindingColumns,
        "Ingress" =>
        [
            Name,
            new("Class", "string", 0, "The name of the IngressClass resource that should be used by this Ingress.", (o, _) => S(o["spec"], "ingressClassName") ?? "<none>"),
            new("Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule", (o, _) => IngressHosts(o)),
            new("Address", "string", 0, "Address is a list containing ingress points for the load-balancer", (o, _) => LoadBalancerAddresses(o)),
            new("Ports", "string", 0, "Ports of TLS configurations that open", (o, _) => o["spec"]?["tls"] is JsonArray { Count: > 0 } ? "80, 443" : "80"),
            Age,
        ],
        "IngressClass" =>
        [
            Name,
            new("Controller", "string", 0, "Controller that is responsible for handling this class", (o, _) => S(o["spec"], "controller") ?? ""),
            new("Parameters", "string", 0, "A reference to a resource with additional parameters", (o, _) => IngressClassParameters(o)),
            Age,
        ],
        "NetworkPolicy" =>
        [
            Name,
            new("Pod-Selector", "string", 0, "Selects the pods to which this NetworkPolicy object applies.", (o, _) => SelectorText(o["spec"]?["podSelector"] as JsonObject)),
            Age,
        ],
        "PodDisruptionBudget" =>
        [
            Name,
            new("Min Available", "string", 0, "The minimum number of pods that must be available.", (o, _) => IntOrString(o["spec"]?["minAvailable"])),
            new("Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable.", (o, _) => IntOrString(o["spec"]?["maxUnavailable"])),
            new("Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time.", (o, _) => I(o["status"], "disruptionsAllowed")),
            Age,
        ],
        "PriorityClass" =>
        [
            Name,
            new("Value", "integer", 0, "The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.", (o, _) => I(o, "value")),
            new("Global-Default", "boolean", 0, "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.", (o, _) => o["globalDefault"] is JsonValue v && v.TryGetValue<bool>(out var b) && b),
            Age,
            new("PreemptionPolicy", "string", 0, "PreemptionPolicy is the Policy for preempting pods with lower priority.", (o, _) => S(o, "preemptionPolicy") ?? ""),
        ],
        "HorizontalPodAutoscaler" =>
        [
            Name,
            new("Reference", "string", 0, "Reference to the target resource", (o, _) => $"{S(o["spec"]?["scaleTargetRef"], "kind")}/{S(o["spec"]?["scaleTargetRef"], "name")}"),
            new("Targets", "string", 0, "Targets and current values of the metrics.", (o, _) => AutoscalerTargets(o)),
            new("MinPods", "string", 0, "Minimum number of replicas the HPA can scale down to", (o, _) => o["spec"]?["minReplicas"] is JsonValue min ? min.ToJsonString() : "<unset>"),
            new("MaxPods", "integer", 0, "Maximum number of replicas the HPA can scale up to", (o, _) => I(o["spec"], "maxReplicas")),
            new("Replicas", "integer", 0, "Current number of replicas of pods managed by this autoscaler", (o, _) => I(o["status"], "currentReplicas")),
            Age,
        ],
        "RuntimeClass" => [Name, new("Handler", "string", 0, "Handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.", (o, _) => S(o, "handler") ?? ""), Age],
        "CSIDriver" =>
        [
            Name,
            new("AttachRequired", "boolean", 0, "Indicates this CSI volume driver requires an attach operation.", (o, _) => B(o["spec"], "attachRequired")),
            new("PodInfoOnMount", "boolean", 0, "Indicates this CSI volume driver requires additional pod information during mount operations.", (o, _) => B(o["spec"], "podInfoOnMount")),
            new("StorageCapacity", "boolean", 0, "Indicates this CSI volume driver publishes storage capacity information.", (o, _) => B(o["spec"], "storageCapacity")),
            new("TokenRequests", "string", 0, "Indicates the audiences of the service account tokens the driver requests.", (o, _) => o["spec"]?["tokenRequests"] is JsonArray { Count: > 0 } requests ? string.Join(",", requests.OfType<JsonObject>().Select(r => S(r, "audience"))) : "<unset>"),
            new("RequiresRepublish", "boolean", 0, "Indicates this CSI volume driver requires NodePublishVolume to be called periodically.", (o, _) => B(o["spec"], "requiresRepublish")),
            new("Modes", "string", 0, "Defines the kinds of volumes this CSI volume driver supports", (o, _) => o["spec"]?["volumeLifecycleModes"] is JsonArray { Count: > 0 } modes ? string.Join(",", modes.Select(m => m?.ToString())) : "<none>"),
            Age,
        ],
        "CSINode" => [Name, new("Drivers", "integer", 0, "Drivers indicates the number of CSI drivers registered on the node", (o, _) => (o["spec"]?["drivers"] as JsonArray)?.Count ?? 0), Age],
        "VolumeAttachment" =>
        [
            Name,
            new("Attacher", "string", 0, "Attacher indicates the name of the volume driver that MUST handle this request.", (o, _) => S(o["spec"], "attacher") ?? ""),
            new("PV", "string", 0, "Name of the persistent volume to be attached.", (o, _) => S(o["spec"]?["source"], "persistentVolumeName") ?? ""),
            new("Node", "string", 0, "The node that the volume should be attached to.", (o, _) => S(o["spec"], "nodeName") ?? ""),
            new("Attached", "boolean", 0, "Indicates the volume is successfully attached.", (o, _) => B(o["status"], "attached")),
            Age,
        ],
        "CertificateSigningRequest" =>
        [
            Name, Age,
            new("SignerName", "string", 0, "Name of the signer that will sign the certificate.", (o, _) => S(o["spec"], "signerName") ?? "<none>"),
            new("Requestor", "string", 0, "Name of the user that created the certificate signing request.", (o, _) => S(o["spec"], "username") ?? ""),
            new("RequestedDuration", "string", 0, "The requested duration of the certificate.", (o, _) => o["spec"]?["expirationSeconds"] is JsonValue seconds && seconds.TryGetValue<int>(out var s) ? HumanDuration.Format(TimeSpan.FromSeconds(s)) : "<none>"),
            new("Condition", "string", 0, "The condition of the certificate signing request.", (o, _) => CsrCondition(o)),
        ],
        "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration" => WebhookColumns,
        _ => null,
    };

    private static string CreatedAtOf(JsonObject o) =>
        S(o["metadata"], "creationTimestamp") is { } t
            ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "<unknown>";

    private static bool B(JsonNode? node, string field) => node?[field] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    // labels.FormatLabels: sorted key=value pairs.
    private static string SortedMapText(JsonObject? map) =>
        map is null || map.Count == 0 ? "<none>" : string.Join(",", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={S(map, p.Key)}"));

    private static IEnumerable<JsonNode> PodTemplateContainers(JsonObject o) =>
        (o["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonNode>();

    // rbac.SubjectsStrings: names of one kind, service accounts as namespace/name.
    private static string Subjects(JsonObject o, string kind) =>
        string.Join(", ", (o["subjects"] as JsonArray ?? []).OfType<JsonObject>().Where(s => S(s, "kind") == kind)
            .Select(s => kind == "ServiceAccount" && S(s, "namespace") is { Length: > 0 } ns ? $"{ns}/{S(s, "name")}" : S(s, "name")));

    // printResourceQuota: "resource: used/hard" from the status, limits.* in the Limit column.
    private static string QuotaColumn(JsonObject o, bool limits)
    {
        var hard = o["spec"]?["hard"] as JsonObject;
        if (hard is null)
        {
            return "";
        }
        var cells = hard.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal)
            .Where(resource => IsLimit(resource) == limits)
            .Select(resource => $"{resource}: {S(o["status"]?["used"], resource) ?? "0"}/{S(o["status"]?["hard"], resource) ?? "0"}");
        return string.Join(", ", cells);
    }

    private static bool IsLimit(string resource) => resource.Split('.') is { Length: > 1 } pieces && pieces[0] == "limits";

    // formatHosts: up to three hosts, "*" without any.
    private static string IngressHosts(JsonObject o)
    {
        var rules = (o["spec"]?["rules"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        const int max = 3;
        var hosts = new List<string>();
        var more = false;
        foreach (var rule in rules)
        {
            if (hosts.Count == max)
            {
                more = true;
            }
            if (!more && S(rule, "host") is { Length: > 0 } host)
            {
                hosts.Add(host);
            }
        }
        if (hosts.Count == 0)
        {
            return "*";
        }
        var text = string.Join(",", hosts);
        return more ? $"{text} + {rules.Count - max} more..." : text;
    }

    private static string LoadBalancerAddresses(JsonObject o)
    {
        var addresses = (o["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(i => S(i, "ip") is { Length: > 0 } ip ? ip : S(i, "hostname")).Where(a => !string.IsNullOrEmpty(a));
        var text = string.Join(",", addresses);
        // kubectl shortens long lists outside -o wide (loadBalancerWidth 16).
        return text.Length > 16 ? text[..13] + "..." : text;
    }

    private static string IngressClassParameters(JsonObject o)
    {
        if (o["spec"]?["parameters"] is not JsonObject parameters)
        {
            return "<none>";
        }
        var kind = S(parameters, "kind") ?? "";
        if (S(parameters, "apiGroup") is { } group)
        {
            kind += "." + group;
        }
        return $"{kind}/{S(parameters, "name")}";
    }

    private static string IntOrString(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => "N/A",
    };

    // formatHPAMetrics: the first two metrics as "name: current/target", then "+ N more...".
    private static string AutoscalerTargets(JsonObject o)
    {
        var metrics = (o["spec"]?["metrics"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (metrics.Count == 0)
        {
            return "<none>";
        }
        var current = (o["status"]?["currentMetrics"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var texts = metrics.Take(2).Select((m, i) => MetricText(m, i < current.Count ? current[i] : null)).ToList();
        var text = string.Join(", ", texts);
        return metrics.Count > 2 ? $"{text} + {metrics.Count - 2} more..." : text;
    }

    // formatHPAMetrics: resource metrics as "name: current/target" (utilization in percent, "<auto>" without a target),
    // the others as "current/target", averages of object and external metrics marked "(avg)".
    private static string MetricText(JsonObject metric, JsonObject? status)
    {
        const string Unknown = "<unknown>";
        var type = S(metric, "type") ?? "";
        switch (type)
        {
            case "External":
                {
                    var target = metric["external"]?["target"];
                    var current = status?["external"]?["current"];
                    if (S(target, "averageValue") is { } average)
                    {
                        return $"{S(current, "averageValue") ?? Unknown}/{average} (avg)";
                    }
                    return $"{(status?["external"] is not null ? S(current, "value") ?? "<nil>" : Unknown)}/{S(target, "value") ?? "<nil>"}";
                }
            case "Pods":
                return $"{(status?["pods"] is not null ? S(status["pods"]?["current"], "averageValue") ?? "<nil>" : Unknown)}/{S(metric["pods"]?["target"], "averageValue") ?? "<nil>"}";
            case "Object":
                {
                    var target = metric["object"]?["target"];
                    var current = status?["object"]?["current"];
                    if (S(target, "averageValue") is { } average)
                    {
                        return $"{S(current, "averageValue") ?? Unknown}/{average} (avg)";
                    }
                    return $"{(status?["object"] is not null ? S(current, "value") ?? "<nil>" : Unknown)}/{S(target, "value") ?? "<nil>"}";
                }
            case "Resource" or "ContainerResource":
                {
                    var field = type == "Resource" ? "resource" : "containerResource";
                    var source = metric[field];
                    var name = S(source, "name");
                    var target = source?["target"];
                    var current = status?[field];
                    if (S(target, "averageValue") is { } average)
                    {
                        return $"{name}: {(current is not null ? S(current["current"], "averageValue") ?? "<nil>" : Unknown)}/{average}";
                    }
                    var currentText = current?["current"]?["averageUtilization"] is JsonValue utilization ? $"{utilization}%" : Unknown;
                    var targetText = target?["averageUtilization"] is JsonValue percent ? $"{percent}%" : "<auto>";
                    return $"{name}: {currentText}/{targetText}";
                }
            default:
                return "<unknown type>";
        }
    }

    // extractCSRStatus: Denied over Approved over Pending, then Failed, then Issued once a certificate is there.
    private static string CsrCondition(JsonObject o)
    {
        var types = (o["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Select(c => S(c, "type")).ToHashSet(StringComparer.Ordinal);
        var condition = types.Contains("Denied") ? "Denied" : types.Contains("Approved") ? "Approved" : "Pending";
        if (types.Contains("Failed"))
        {
            condition += ",Failed";
        }
        return string.IsNullOrEmpty(S(o["status"], "certificate")) ? condition : condition + ",Issued";
    }
}
