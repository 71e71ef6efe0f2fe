namespace Emulator.Api.Discovery;

/// <summary>The resources the API serves, by group version and by plural name.</summary>
public sealed class ApiResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Resource), ApiResource> _byPath = [];

    /// <summary>Creates a catalog of <paramref name="resources"/>.</summary>
    public ApiResourceCatalog(IEnumerable<ApiResource> resources)
    {
        Resources = resources.ToArray();
        foreach (var r in Resources)
        {
            _byPath[(r.Group, r.Version, r.Resource)] = r;
        }
    }

    /// <summary>Every resource.</summary>
    public IReadOnlyList<ApiResource> Resources { get; }

    /// <summary>The API groups (without the core group), each with its versions.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups =>
        Resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().ToArray())).ToArray();

    /// <summary>The resources of one group version.</summary>
    public IEnumerable<ApiResource> InGroupVersion(string group, string version) =>
        Resources.Where(r => r.Group == group && r.Version == version);

    /// <summary>Finds a resource by its URL coordinates.</summary>
    public ApiResource? Find(string group, string version, string resource) =>
        _byPath.TryGetValue((group, version, resource), out var found) ? found : null;

    /// <summary>The resources Kubernetes 1.33 serves for the kinds Emulator models.</summary>
    public static ApiResourceCatalog Default { get; } = new(
    [
        new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], []),
        new("", "v1", "nodes", "node", "Node", false, ["no"], []),
        new("", "v1", "pods", "pod", "Pod", true, ["po"], ["all"]),
        new("", "v1", "services", "service", "Service", true, ["svc"], ["all"]),
        new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], [], HasStatus: false),
        new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], [], HasStatus: false),
        new("", "v1", "secrets", "secret", "Secret", true, [], [], HasStatus: false),
        new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"], []),
        new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, ["pv"], []),
        new("", "v1", "events", "event", "Event", true, ["ev"], [], HasStatus: false),
        new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], ["all"], HasScale: true),
        new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], ["all"], HasScale: true),
        new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], ["all"], HasScale: true),
        new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], ["all"]),
        new("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, [], [], HasStatus: false),
        new("batch", "v1", "jobs", "job", "Job", true, [], ["all"]),
        new("batch", "v1", "cronjobs", "cronjob", "CronJob", true, ["cj"], ["all"]),
        new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, [], [], HasStatus: false),
        new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, [], [], HasStatus: false),
        new("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"], [], HasStatus: false),
    ]);
}
