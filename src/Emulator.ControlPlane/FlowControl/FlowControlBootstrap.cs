using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.FlowControl;

/// <summary>
/// The API Priority and Fairness objects every API server creates (k8s.io/apiserver's flowcontrol bootstrap, v1): the
/// mandatory <c>exempt</c> and <c>catch-all</c> priority levels and flow schemas, and the suggested ones for the
/// system's components. Each carries <c>apf.kubernetes.io/autoupdate-spec: "true"</c>.
/// </summary>
public static class FlowControlBootstrap
{
    /// <summary>The annotation saying the API server keeps the object's spec as it ships it.</summary>
    public const string AutoUpdateAnnotation = "apf.kubernetes.io/autoupdate-spec";

    private const string AllAuthenticated = "system:authenticated";
    private const string AllUnauthenticated = "system:unauthenticated";
    private const string KubeControllerManager = "system:kube-controller-manager";
    private const string KubeScheduler = "system:kube-scheduler";

    /// <summary>The priority levels, mandatory first, by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> PriorityLevels { get; } = new Dictionary<string, JsonObject>(StringComparer.Ordinal)
    {
        ["exempt"] = Level("exempt", new JsonObject { ["type"] = "Exempt", ["exempt"] = new JsonObject { ["nominalConcurrencyShares"] = 0, ["lendablePercent"] = 0 } }),
        ["catch-all"] = Level("catch-all", Limited(5, 0, null)),
        ["system"] = Level("system", Limited(30, 33, (64, 6, 50))),
        ["node-high"] = Level("node-high", Limited(40, 25, (64, 6, 50))),
        ["leader-election"] = Level("leader-election", Limited(10, 0, (16, 4, 50))),
        ["workload-high"] = Level("workload-high", Limited(40, 50, (128, 6, 50))),
        ["workload-low"] = Level("workload-low", Limited(100, 90, (128, 6, 50))),
        ["global-default"] = Level("global-default", Limited(20, 50, (128, 6, 50))),
    };

    /// <summary>The flow schemas, mandatory first, by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> FlowSchemas { get; } = new Dictionary<string, JsonObject>(StringComparer.Ordinal)
    {
        ["exempt"] = Schema("exempt", "exempt", 1, null, Everything(Groups("system:masters"))),
        ["catch-all"] = Schema("catch-all", "catch-all", 10000, "ByUser", Everything(Groups(AllUnauthenticated, AllAuthenticated))),
        ["probes"] = Schema("probes", "exempt", 2, null, new JsonObject
        {
            ["subjects"] = Groups(AllUnauthenticated, AllAuthenticated),
            ["nonResourceRules"] = new JsonArray(NonResourceRule(["get"], ["/healthz", "/readyz", "/livez"])),
        }),
        ["system-leader-election"] = Schema("system-leader-election", "leader-election", 100, "ByUser", new JsonObject
        {
            ["subjects"] = Concat(Users(KubeControllerManager, KubeScheduler), KubeSystemServiceAccounts("*")),
            ["resourceRules"] = new JsonArray(ResourceRule(["get", "create", "update"], ["coordination.k8s.io"], ["leases"], ["*"], false)),
        }),
        ["endpoint-controller"] = Schema("endpoint-controller", "workload-high", 150, "ByUser", new JsonObject
        {
            ["subjects"] = Concat(Users(KubeControllerManager), KubeSystemServiceAccounts("endpoint-controller", "endpointslicemirroring-controller")),
            ["resourceRules"] = new JsonArray(ResourceRule(["get", "create", "update"], [""], ["endpoints"], ["*"], false)),
        }),
        ["workload-leader-election"] = Schema("workload-leader-election", "leader-election", 200, "ByUser", new JsonObject
        {
            ["subjects"] = KubeSystemServiceAccounts("*"),
            ["resourceRules"] = new JsonArray(
                ResourceRule(["get", "create", "update"], [""], ["endpoints", "configmaps"], ["*"], false),
                ResourceRule(["get", "create", "update"], ["coordination.k8s.io"], ["leases"], ["*"], false)),
        }),
        ["system-node-high"] = Schema("system-node-high", "node-high", 400, "ByUser", new JsonObject
        {
            ["subjects"] = Groups("system:nodes"),
            ["resourceRules"] = new JsonArray(
                ResourceRule(["*"], [""], ["nodes", "nodes/status"], ["*"], true),
                ResourceRule(["*"], ["coordination.k8s.io"], ["leases"], ["*"], false)),
        }),
        ["system-nodes"] = Schema("system-nodes", "system", 500, "ByUser", Everything(Groups("system:nodes"))),
        ["kube-controller-manager"] = Schema("kube-controller-manager", "workload-high", 800, "ByNamespace", Everything(Users(KubeControllerManager))),
        ["kube-scheduler"] = Schema("kube-scheduler", "workload-high", 800, "ByNamespace", Everything(Users(KubeScheduler))),
        ["kube-system-service-accounts"] = Schema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", Everything(KubeSystemServiceAccounts("*"))),
        ["service-accounts"] = Schema("service-accounts", "workload-low", 9000, "ByUser", Everything(Groups("system:serviceaccounts"))),
        ["global-default"] = Schema("global-default", "global-default", 9900, "ByUser", Everything(Groups(AllUnauthenticated, AllAuthenticated))),
    };

    private static JsonObject Metadata(string name) => new()
    {
        ["name"] = name,
        ["annotations"] = new JsonObject { [AutoUpdateAnnotation] = "true" },
    };

    private static JsonObject Level(string name, JsonObject spec) => new()
    {
        ["apiVersion"] = "flowcontrol.apiserver.k8s.io/v1",
        ["kind"] = "PriorityLevelConfiguration",
        ["metadata"] = Metadata(name),
        ["spec"] = spec,
    };

    private static JsonObject Limited(int shares, int lendable, (int Queues, int HandSize, int QueueLengthLimit)? queuing)
    {
        var response = queuing is { } q
            ? new JsonObject { ["type"] = "Queue", ["queuing"] = new JsonObject { ["queues"] = q.Queues, ["handSize"] = q.HandSize, ["queueLengthLimit"] = q.QueueLengthLimit } }
            : new JsonObject { ["type"] = "Reject" };
        return new JsonObject
        {
            ["type"] = "Limited",
            ["limited"] = new JsonObject { ["nominalConcurrencyShares"] = shares, ["limitResponse"] = response, ["lendablePercent"] = lendable },
        };
    }

    private static JsonObject Schema(string name, string level, int precedence, string? distinguisher, JsonObject rule)
    {
        var spec = new JsonObject
        {
            ["priorityLevelConfiguration"] = new JsonObject { ["name"] = level },
            ["matchingPrecedence"] = precedence,
        };
        if (distinguisher is not null)
        {
            spec["distinguisherMethod"] = new JsonObject { ["type"] = distinguisher };
        }
        spec["rules"] = new JsonArray(rule);
        return new JsonObject
        {
            ["apiVersion"] = "flowcontrol.apiserver.k8s.io/v1",
            ["kind"] = "FlowSchema",
            ["metadata"] = Metadata(name),
            ["spec"] = spec,
        };
    }

    /// <summary>Every verb on every resource and non-resource URL, for the subjects.</summary>
    private static JsonObject Everything(JsonArray subjects) => new()
    {
        ["subjects"] = subjects,
        ["resourceRules"] = new JsonArray(ResourceRule(["*"], ["*"], ["*"], ["*"], true)),
        ["nonResourceRules"] = new JsonArray(NonResourceRule(["*"], ["*"])),
    };

    private static JsonObject ResourceRule(string[] verbs, string[] groups, string[] resources, string[] namespaces, bool clusterScope)
    {
        var rule = new JsonObject { ["verbs"] = Strings(verbs), ["apiGroups"] = Strings(groups), ["resources"] = Strings(resources) };
        if (clusterScope)
        {
            rule["clusterScope"] = true;
        }
        rule["namespaces"] = Strings(namespaces);
        return rule;
    }

    private static JsonObject NonResourceRule(string[] verbs, string[] urls) => new() { ["verbs"] = Strings(verbs), ["nonResourceURLs"] = Strings(urls) };

    private static JsonArray Groups(params string[] names) =>
        new(names.Select(n => (JsonNode)new JsonObject { ["kind"] = "Group", ["group"] = new JsonObject { ["name"] = n } }).ToArray());

    private static JsonArray Users(params string[] names) =>
        new(names.Select(n => (JsonNode)new JsonObject { ["kind"] = "User", ["user"] = new JsonObject { ["name"] = n } }).ToArray());

    private static JsonArray KubeSystemServiceAccounts(params string[] names) =>
        new(names.Select(n => (JsonNode)new JsonObject { ["kind"] = "ServiceAccount", ["serviceAccount"] = new JsonObject { ["namespace"] = "kube-system", ["name"] = n } }).ToArray());

    private static JsonArray Concat(JsonArray first, JsonArray second) =>
        new(first.Concat(second).Select(n => n!.DeepClone()).ToArray());

    private static JsonArray Strings(string[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
