using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ResourceQuota;

/// <summary>
/// How quota measures the objects of one resource (Kubernetes' <c>quota.Evaluator</c>): which quota resource names it
/// can count, which scopes an object falls in, what one object uses, and what an object must declare to be admitted.
/// The admission plugin and the quota controller use the same evaluators, as Kubernetes does.
/// </summary>
public abstract class QuotaEvaluator
{
    /// <summary>The store key of the resource measured (<c>pods</c>, <c>deployments.apps</c>).</summary>
    public abstract string Resource { get; }

    /// <summary>The object count name of the resource: <c>count/pods</c>, <c>count/deployments.apps</c>.</summary>
    public string ObjectCountName => "count/" + Resource;

    /// <summary>True when quota admission must look at this operation (objects are counted at create by default).</summary>
    public virtual bool Handles(AdmissionOperation operation) => operation == AdmissionOperation.Create;

    /// <summary>The names among <paramref name="names"/> this evaluator counts.</summary>
    public abstract IReadOnlyList<string> MatchingResources(IEnumerable<string> names);

    /// <summary>True when the object falls in the scope (objects of most resources fall in none).</summary>
    public virtual bool MatchesScope(ScopeRequirement scope, KubeObject obj) => false;

    /// <summary>What the object uses, <paramref name="now"/> deciding whether a terminating pod still counts.</summary>
    public abstract SortedDictionary<string, Quantity> Usage(KubeObject obj, DateTimeOffset now);

    /// <summary>Why the object cannot be admitted under a quota tracking <paramref name="required"/> (null: it can).</summary>
    public virtual string? Constraints(IReadOnlyCollection<string> required, KubeObject obj) => null;

    /// <summary>
    /// <c>generic.Matches</c>: the quota tracks one of the resources this evaluator counts (in its <c>status.hard</c>,
    /// what the controller last confirmed) and the object is in every one of its scopes.
    /// </summary>
    public bool Matches(QuotaView quota, KubeObject obj) =>
        MatchingResources(quota.StatusHard.Keys).Count > 0 && quota.Scopes.All(scope => MatchesScope(scope, obj));
}

/// <summary>One scope of a quota: a <c>spec.scopes</c> entry (operator <c>Exists</c>) or a <c>scopeSelector</c> expression.</summary>
/// <param name="ScopeName">Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity.</param>
/// <param name="Operator">In, NotIn, Exists or DoesNotExist.</param>
/// <param name="Values">The values of In and NotIn.</param>
public sealed record ScopeRequirement(string ScopeName, string Operator, IReadOnlyList<string> Values);

/// <summary>The evaluator of each resource, as Kubernetes' quota registry and the admission plugin pick them.</summary>
public static class QuotaEvaluators
{
    // Resources quota never counts: virtual ones and events (k8s.io/kubernetes/pkg/quota/v1/install).
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "bindings", "componentstatuses", "events", "events.events.k8s.io",
        "tokenreviews.authentication.k8s.io", "selfsubjectreviews.authentication.k8s.io",
        "subjectaccessreviews.authorization.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io",
        "localsubjectaccessreviews.authorization.k8s.io", "selfsubjectrulesreviews.authorization.k8s.io",
    };

    // The kinds counted under a name of their own from before object count quota (count/<resource> works too).
    private static readonly Dictionary<string, string> LegacyCountNames = new(StringComparer.Ordinal)
    {
        ["configmaps"] = "configmaps",
        ["resourcequotas"] = "resourcequotas",
        ["replicationcontrollers"] = "replicationcontrollers",
        ["secrets"] = "secrets",
    };

    private static readonly ConcurrentDictionary<string, QuotaEvaluator> ByResource = new(StringComparer.Ordinal);

    /// <summary>The evaluator of a resource (by store key), or null when quota ignores it.</summary>
    public static QuotaEvaluator? For(string resource) =>
        Ignored.Contains(resource) ? null : ByResource.GetOrAdd(resource, static key => key switch
        {
            "pods" => new PodEvaluator(),
            "services" => new ServiceEvaluator(),
            "persistentvolumeclaims" => new ClaimEvaluator(),
            _ => new ObjectCountEvaluator(key, LegacyCountNames.GetValueOrDefault(key)),
        });
}

/// <summary>Counts objects: <c>count/&lt;resource&gt;.&lt;group&gt;</c> (and the legacy name of a few core kinds).</summary>
internal sealed class ObjectCountEvaluator(string resource, string? alias) : QuotaEvaluator
{
    private readonly string[] _names = alias is null ? ["count/" + resource] : ["count/" + resource, alias];

    public override string Resource => resource;

    public override IReadOnlyList<string> MatchingResources(IEnumerable<string> names) => names.Where(_names.Contains).ToList();

    public override SortedDictionary<string, Quantity> Usage(KubeObject obj, DateTimeOffset now)
    {
        var usage = ResourceLists.Empty();
        foreach (var name in _names)
        {
            usage[name] = Quantity.FromValue(1);
        }
        return usage;
    }
}

/// <summary>
/// Pods (<c>pkg/quota/v1/evaluator/core/pods.go</c>): <c>count/pods</c> for every stored pod; <c>pods</c> and the compute
/// resources only while the pod is not terminal (Succeeded, Failed) nor past its deletion grace period. Scopes:
/// Terminating (<c>activeDeadlineSeconds</c> set), BestEffort (no cpu or memory request or limit anywhere),
/// PriorityClass, CrossNamespacePodAffinity.
/// </summary>
internal sealed class PodEvaluator : QuotaEvaluator
{
    private static readonly string[] PodResources =
    [
        "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
    ];

    // Kubernetes' historical mistake, kept: a quota on cpu or memory requires every container to state it.
    private static readonly HashSet<string> RequiredDeclarations = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    public override string Resource => "pods";

    public override IReadOnlyList<string> MatchingResources(IEnumerable<string> names)
    {
        var input = names.ToList();
        var result = input.Where(PodResources.Contains).ToList();
        foreach (var name in input)
        {
            if (name.StartsWith("hugepages-", StringComparison.Ordinal) || name.StartsWith("requests.hugepages-", StringComparison.Ordinal)
                || (!IsNative(name) && name.StartsWith("requests.", StringComparison.Ordinal)))
            {
                result.Add(name);
            }
        }
        return result;
    }

    public override bool MatchesScope(ScopeRequirement scope, KubeObject pod) => scope.ScopeName switch
    {
        "Terminating" => IsTerminating(pod),
        "NotTerminating" => !IsTerminating(pod),
        "BestEffort" => IsBestEffort(pod),
        "NotBestEffort" => !IsBestEffort(pod),
        "PriorityClass" => MatchesPriorityClass(scope, JsonTree.GetString(pod.Document, "spec", "priorityClassName") ?? ""),
        "CrossNamespacePodAffinity" => UsesCrossNamespaceAffinity(pod),
        _ => false,
    };

    public override SortedDictionary<string, Quantity> Usage(KubeObject pod, DateTimeOffset now)
    {
        var usage = ResourceLists.Empty();
        // count/pods counts every pod in storage; "pods" and compute resources only the ones still alive.
        usage["count/pods"] = Quantity.FromValue(1);
        if (!Counts(pod, now))
        {
            return usage;
        }
        return ResourceLists.Add(usage, ComputeUsage(ResourceLists.PodRequests(pod, includeOverhead: true), ResourceLists.PodLimits(pod, includeOverhead: true)));
    }

    public override string? Constraints(IReadOnlyCollection<string> required, KubeObject pod)
    {
        var requiredSet = required.Where(RequiredDeclarations.Contains).ToHashSet(StringComparer.Ordinal);
        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var view = new PodView(pod);
        foreach (var container in view.Containers.Concat(view.InitContainers))
        {
            var declared = ComputeUsage(container.Requests, container.Limits).Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var name in requiredSet.Where(n => !declared.Contains(n)))
            {
                if (!missing.TryGetValue(name, out var containers))
                {
                    missing[name] = containers = new SortedSet<string>(StringComparer.Ordinal);
                }
                containers.Add(container.Name);
            }
        }
        return missing.Count == 0 ? null : "must specify " + string.Join("; ", missing.Select(m => $"{m.Key} for: {string.Join(",", m.Value)}"));
    }

    /// <summary>
    /// <c>QuotaV1Pod</c>: a pod counts unless it is terminal, or being deleted past its grace period (a pod stuck
    /// terminating on a lost node must not hold the quota).
    /// </summary>
    public static bool Counts(KubeObject pod, DateTimeOffset now)
    {
        if (new PodView(pod).IsTerminal)
        {
            return false;
        }
        return pod.DeletionTimestamp is not { } deletion || pod.DeletionGracePeriodSeconds is not { } grace || now <= deletion.AddSeconds(grace);
    }

    // podComputeUsageHelper: what requests and limits are charged under which names.
    private static SortedDictionary<string, Quantity> ComputeUsage(IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits)
    {
        var result = ResourceLists.Empty();
        result["pods"] = Quantity.FromValue(1);
        foreach (var resource in new[] { "cpu", "memory", "ephemeral-storage" })
        {
            if (requests.TryGetValue(resource, out var request))
            {
                result[resource] = request;
                result["requests." + resource] = request;
            }
            if (limits.TryGetValue(resource, out var limit))
            {
                result["limits." + resource] = limit;
            }
        }
        foreach (var (name, request) in requests)
        {
            if (name.StartsWith("hugepages-", StringComparison.Ordinal))
            {
                result[name] = request;
                result["requests." + name] = request;
            }
            else if (IsExtended(name))
            {
                result["requests." + name] = request;
            }
        }
        return result;
    }

    private static bool IsTerminating(KubeObject pod) => JsonTree.GetInt(pod.Document, "spec", "activeDeadlineSeconds") is >= 0;

    // qos.GetPodQOS == BestEffort: no container asks for or caps cpu or memory (zero quantities do not count).
    private static bool IsBestEffort(KubeObject pod)
    {
        var view = new PodView(pod);
        return view.Containers.Concat(view.InitContainers).All(c =>
            !c.Requests.Concat(c.Limits).Any(p => p.Key is "cpu" or "memory" && !p.Value.Nanos.IsZero));
    }

    // The PriorityClass scope selects on a label set {PriorityClass: <the pod's class>} (none without a class).
    private static bool MatchesPriorityClass(ScopeRequirement scope, string priorityClass)
    {
        var has = priorityClass.Length > 0;
        return scope.Operator switch
        {
            "Exists" => has,
            "DoesNotExist" => !has,
            "In" => has && scope.Values.Contains(priorityClass),
            "NotIn" => !has || !scope.Values.Contains(priorityClass),
            _ => false,
        };
    }

    private static bool UsesCrossNamespaceAffinity(KubeObject pod)
    {
        static bool CrossNamespace(JsonObject? term) =>
            term is not null && (term["namespaces"] is JsonArray { Count: > 0 } || term["namespaceSelector"] is JsonObject);
        foreach (var kind in new[] { "podAffinity", "podAntiAffinity" })
        {
            var affinity = JsonTree.GetObject(pod.Document, "spec", "affinity", kind);
            if (JsonTree.Objects(affinity?["requiredDuringSchedulingIgnoredDuringExecution"] as JsonArray).Any(CrossNamespace)
                || JsonTree.Objects(affinity?["preferredDuringSchedulingIgnoredDuringExecution"] as JsonArray).Any(t => CrossNamespace(t["podAffinityTerm"] as JsonObject)))
            {
                return true;
            }
        }
        return false;
    }

    // A name in the kubernetes.io namespace (unqualified names are).
    private static bool IsNative(string name) => !name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal);

    // An extended resource (a vendor's device): qualified, not native, and quota only knows its requests.
    private static bool IsExtended(string name) => !IsNative(name) && !name.StartsWith("requests.", StringComparison.Ordinal);
}

/// <summary>
/// Services (<c>services.go</c>): <c>services</c>, <c>count/services</c>, <c>services.loadbalancers</c> and
/// <c>services.nodeports</c> (every port of a NodePort or LoadBalancer service, or only the ports with an explicit node
/// port when a load balancer allocates none). Updates are admitted too: a service's type can change.
/// </summary>
internal sealed class ServiceEvaluator : QuotaEvaluator
{
    private static readonly string[] ServiceResources = ["count/services", "services", "services.nodeports", "services.loadbalancers"];

    public override string Resource => "services";

    public override bool Handles(AdmissionOperation operation) => operation is AdmissionOperation.Create or AdmissionOperation.Update;

    public override IReadOnlyList<string> MatchingResources(IEnumerable<string> names) => names.Where(ServiceResources.Contains).ToList();

    public override SortedDictionary<string, Quantity> Usage(KubeObject service, DateTimeOffset now)
    {
        var ports = JsonTree.Objects(JsonTree.GetArray(service.Document, "spec", "ports")).ToList();
        var usage = ResourceLists.Empty();
        usage["count/services"] = Quantity.FromValue(1);
        usage["services"] = Quantity.FromValue(1);
        usage["services.loadbalancers"] = Quantity.Zero;
        usage["services.nodeports"] = Quantity.Zero;
        switch (JsonTree.GetString(service.Document, "spec", "type"))
        {
            case "NodePort":
                usage["services.nodeports"] = Quantity.FromValue(ports.Count);
                break;
            case "LoadBalancer":
                var allocates = JsonTree.GetBool(service.Document, "spec", "allocateLoadBalancerNodePorts") != false;
                usage["services.nodeports"] = Quantity.FromValue(allocates ? ports.Count : ports.Count(p => (JsonTree.GetInt(p, "nodePort") ?? 0) != 0));
                usage["services.loadbalancers"] = Quantity.FromValue(1);
                break;
        }
        return usage;
    }
}

/// <summary>
/// PersistentVolumeClaims (<c>persistent_volume_claims.go</c>): <c>persistentvolumeclaims</c>, <c>count/…</c> and
/// <c>requests.storage</c> (the request in whole bytes, or the allocated size when larger), each also per storage class
/// as <c>&lt;class&gt;.storageclass.storage.k8s.io/&lt;resource&gt;</c>. Updates are admitted too (expansion).
/// </summary>
internal sealed class ClaimEvaluator : QuotaEvaluator
{
    private const string ByClassSuffix = ".storageclass.storage.k8s.io/";
    private static readonly string[] ClaimResources = ["persistentvolumeclaims", "requests.storage"];

    public override string Resource => "persistentvolumeclaims";

    public override bool Handles(AdmissionOperation operation) => operation is AdmissionOperation.Create or AdmissionOperation.Update;

    public override IReadOnlyList<string> MatchingResources(IEnumerable<string> names) =>
        names.Where(name => name == ObjectCountName || ClaimResources.Contains(name)
            || ClaimResources.Any(r => name.EndsWith(ByClassSuffix + r, StringComparison.Ordinal))).ToList();

    public override SortedDictionary<string, Quantity> Usage(KubeObject claim, DateTimeOffset now)
    {
        var usage = ResourceLists.Empty();
        usage["persistentvolumeclaims"] = Quantity.FromValue(1);
        usage[ObjectCountName] = Quantity.FromValue(1);
        var storageClass = StorageObjects.ClaimClass(claim);
        if (!string.IsNullOrEmpty(storageClass))
        {
            usage[storageClass + ByClassSuffix + "persistentvolumeclaims"] = Quantity.FromValue(1);
        }
        if (RequestedStorage(claim) is { } storage)
        {
            usage["requests.storage"] = storage;
            if (!string.IsNullOrEmpty(storageClass))
            {
                usage[storageClass + ByClassSuffix + "requests.storage"] = storage;
            }
        }
        return usage;
    }

    // Whole bytes (quota status must hold integers), the allocated size when a resize made it larger.
    private static Quantity? RequestedStorage(KubeObject claim)
    {
        if (!Quantity.TryParse(JsonTree.GetString(claim.Document, "spec", "resources", "requests", "storage"), out var requested))
        {
            return null;
        }
        var result = RoundUp(requested);
        if (Quantity.TryParse(JsonTree.GetString(claim.Document, "status", "allocatedResources", "storage"), out var allocated) && allocated > result)
        {
            result = RoundUp(allocated);
        }
        return result;
    }

    private static Quantity RoundUp(Quantity quantity) =>
        quantity.Nanos % 1_000_000_000 == 0 ? quantity : Quantity.FromValue(quantity.Value, quantity.Format);
}
