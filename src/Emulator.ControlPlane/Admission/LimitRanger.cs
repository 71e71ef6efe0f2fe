using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.ResourceQuota;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Validation;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The <c>LimitRanger</c> admission plugin (<c>plugin/pkg/admission/limitranger</c>) over the namespace's LimitRanges,
/// taken in name order. Mutating, on pod creates: the <c>Container</c> items' <c>default</c> fills the limits and
/// <c>defaultRequest</c> the requests each container (and init container) leaves out, noted in the
/// <c>kubernetes.io/limit-ranger</c> annotation. Validating, on pod creates and claim creates and updates: each
/// container and init container, and the pod's totals, within the <c>Container</c> and <c>Pod</c> items' min, max and
/// maxLimitRequestRatio; a claim's storage request within the <c>PersistentVolumeClaim</c> item's min and max. A refusal
/// is a 403 Forbidden naming every broken limit of the first LimitRange that refuses.
/// </summary>
public static class LimitRanger
{
    /// <summary><c>v1</c> LimitRanges.</summary>
    public static readonly ResourceType LimitRanges = ResourceTypes.Of("", "limitranges");

    private const string Annotation = "kubernetes.io/limit-ranger";

    // resource.MaxMilliValue: beyond it, milli-units overflow an int64 and whole units are compared instead.
    private const long MaxMilliValue = long.MaxValue / 1000;

    /// <summary>Fills a new pod's missing requests and limits from the defaults of the namespace's LimitRanges.</summary>
    public static void ApplyDefaults(ResourceType type, KubeObject pod, IAdmissionContext stored)
    {
        if (type.Key != ResourceTypes.Pods.Key || pod.Namespace is not { } ns)
        {
            return;
        }
        foreach (var limitRange in RangesIn(ns, stored))
        {
            var requests = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            var limits = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var item in Items(limitRange).Where(i => JsonTree.GetString(i, "type") == "Container"))
            {
                foreach (var (name, value) in item["defaultRequest"] as JsonObject ?? [])
                {
                    requests[name] = value;
                }
                foreach (var (name, value) in item["default"] as JsonObject ?? [])
                {
                    limits[name] = value;
                }
            }
            var notes = new List<string>();
            var view = new PodView(pod);
            foreach (var (container, what) in view.Containers.Select(c => (c, "container")).Concat(view.InitContainers.Select(c => (c, "init container"))))
            {
                var setRequests = Merge(container.Json, "requests", requests);
                var setLimits = Merge(container.Json, "limits", limits);
                if (setRequests.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setRequests)} request for {what} {container.Name}");
                }
                if (setLimits.Count > 0)
                {
                    notes.Add($"{string.Join(", ", setLimits)} limit for {what} {container.Name}");
                }
            }
            if (notes.Count > 0)
            {
                pod.SetAnnotation(Annotation, "LimitRanger plugin set: " + string.Join("; ", notes));
            }
        }
    }

    /// <summary>Refuses a pod or claim that breaks a limit of the namespace's LimitRanges.</summary>
    /// <exception cref="ApiStatusException">403 Forbidden with the broken limits.</exception>
    public static void Validate(ResourceType type, KubeObject obj, KubeObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        var isPod = type.Key == ResourceTypes.Pods.Key;
        // A pod's containers cannot change after create; a claim can grow. Objects being deleted are left alone.
        var applies = isPod ? operation == AdmissionOperation.Create
            : type.Key == "persistentvolumeclaims" && operation is AdmissionOperation.Create or AdmissionOperation.Update;
        if (!applies || old?.DeletionTimestamp is not null || obj.Namespace is not { } ns)
        {
            return;
        }
        foreach (var limitRange in RangesIn(ns, stored))
        {
            var errors = isPod ? PodErrors(limitRange, obj) : ClaimErrors(limitRange, obj);
            if (errors.Count > 0)
            {
                throw new ApiStatusException(ApiStatus.Forbidden(type.Resource, type.Group, obj.Name ?? "", InvalidMessage.Aggregate(errors)));
            }
        }
    }

    private static IEnumerable<JsonObject> RangesIn(string ns, IAdmissionContext stored) =>
        stored.List(LimitRanges).Where(r => r.Namespace == ns).OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => r.ToJsonObject());

    private static IEnumerable<JsonObject> Items(JsonObject limitRange) => JsonTree.Objects(JsonTree.GetArray(limitRange, "spec", "limits"));

    /// <summary>Adds the defaults a container's <paramref name="field"/> lacks; returns their names, sorted.</summary>
    private static List<string> Merge(JsonObject container, string field, Dictionary<string, JsonNode?> defaults)
    {
        var set = new List<string>();
        if (defaults.Count == 0)
        {
            return set;
        }
        var present = JsonTree.GetObject(container, "resources", field);
        foreach (var name in defaults.Keys.Order(StringComparer.Ordinal))
        {
            if (present?.ContainsKey(name) != true)
            {
                set.Add(name);
            }
        }
        if (set.Count > 0)
        {
            // Go marshals a resource list with its names sorted.
            var merged = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var (name, value) in present ?? [])
            {
                merged[name] = value?.DeepClone();
            }
            foreach (var name in set)
            {
                merged[name] = defaults[name]?.DeepClone();
            }
            JsonTree.Ensure(container, "resources")[field] = new JsonObject(merged);
        }
        return set;
    }

    private static List<string> PodErrors(JsonObject limitRange, KubeObject pod)
    {
        var errors = new List<string>();
        var view = new PodView(pod);
        foreach (var item in Items(limitRange))
        {
            var type = JsonTree.GetString(item, "type");
            if (type == "Container")
            {
                foreach (var container in view.Containers.Concat(view.InitContainers))
                {
                    Check(item, type, container.Requests, container.Limits, errors);
                }
            }
            else if (type == "Pod")
            {
                Check(item, type, ResourceLists.PodRequests(pod, includeOverhead: false), ResourceLists.PodLimits(pod, includeOverhead: false), errors);
            }
        }
        return errors;
    }

    private static void Check(JsonObject item, string type, IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits, List<string> errors)
    {
        foreach (var (resource, enforced) in ResourceLists.Parse(item["min"]))
        {
            AddIf(errors, Min(type, resource, enforced, requests, limits));
        }
        foreach (var (resource, enforced) in ResourceLists.Parse(item["max"]))
        {
            AddIf(errors, Max(type, resource, enforced, requests, limits));
        }
        foreach (var (resource, enforced) in ResourceLists.Parse(item["maxLimitRequestRatio"]))
        {
            AddIf(errors, Ratio(type, resource, enforced, requests, limits));
        }
    }

    // Claims: storage is only ever requested, so max bounds the request (maxRequestConstraint).
    private static List<string> ClaimErrors(JsonObject limitRange, KubeObject claim)
    {
        var errors = new List<string>();
        var requests = ResourceLists.Parse(JsonTree.Get(claim.Document, "spec", "resources", "requests"));
        foreach (var item in Items(limitRange).Where(i => JsonTree.GetString(i, "type") == "PersistentVolumeClaim"))
        {
            const string type = "PersistentVolumeClaim";
            foreach (var (resource, enforced) in ResourceLists.Parse(item["min"]))
            {
                AddIf(errors, Min(type, resource, enforced, requests, ResourceLists.Empty()));
            }
            foreach (var (resource, enforced) in ResourceLists.Parse(item["max"]))
            {
                var has = requests.TryGetValue(resource, out var request);
                var (observed, _, limit) = Comparable(request, Quantity.Zero, enforced);
                AddIf(errors, !has ? $"maximum {resource} usage per {type} is {enforced}.  No request is specified"
                    : observed > limit ? $"maximum {resource} usage per {type} is {enforced}, but request is {request}" : null);
            }
        }
        return errors;
    }

    private static string? Min(string type, string resource, Quantity enforced, IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, bound) = Comparable(request, limit, enforced);
        if (!hasRequest)
        {
            return $"minimum {resource} usage per {type} is {enforced}.  No request is specified";
        }
        if (observedRequest < bound)
        {
            return $"minimum {resource} usage per {type} is {enforced}, but request is {request}";
        }
        return hasLimit && observedLimit < bound ? $"minimum {resource} usage per {type} is {enforced}, but limit is {limit}" : null;
    }

    private static string? Max(string type, string resource, Quantity enforced, IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, bound) = Comparable(request, limit, enforced);
        if (!hasLimit)
        {
            return $"maximum {resource} usage per {type} is {enforced}.  No limit is specified";
        }
        if (observedLimit > bound)
        {
            return $"maximum {resource} usage per {type} is {enforced}, but limit is {limit}";
        }
        return hasRequest && observedRequest > bound ? $"maximum {resource} usage per {type} is {enforced}, but request is {request}" : null;
    }

    private static string? Ratio(string type, string resource, Quantity enforced, IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, _) = Comparable(request, limit, enforced);
        if (!hasRequest || observedRequest == 0)
        {
            return $"{resource} max limit to request ratio per {type} is {enforced}, but no request is specified or request is 0";
        }
        if (!hasLimit || observedLimit == 0)
        {
            return $"{resource} max limit to request ratio per {type} is {enforced}, but no limit is specified or limit is 0";
        }
        var observedRatio = (double)observedLimit / observedRequest;
        var displayRatio = observedRatio;
        double maxRatio = enforced.Value;
        if (enforced.Value <= MaxMilliValue)
        {
            observedRatio *= 1000;
            maxRatio = enforced.MilliValue;
        }
        return observedRatio > maxRatio
            ? $"{resource} max limit to request ratio per {type} is {enforced}, but provided ratio is {displayRatio.ToString("F6", CultureInfo.InvariantCulture)}"
            : null;
    }

    // requestLimitEnforcedValues: milli-units when none of the three would overflow, whole units otherwise.
    private static (long Request, long Limit, long Enforced) Comparable(Quantity request, Quantity limit, Quantity enforced) =>
        request.Value <= MaxMilliValue && limit.Value <= MaxMilliValue && enforced.Value <= MaxMilliValue
            ? (request.MilliValue, limit.MilliValue, enforced.MilliValue)
            : (request.Value, limit.Value, enforced.Value);

    private static void AddIf(List<string> errors, string? error)
    {
        if (error is not null)
        {
            errors.Add(error);
        }
    }

}
