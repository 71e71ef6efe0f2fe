namespace Emulator.Kubernetes.Kinds;

/// <summary>
/// The kinds the emulator serves, with the resource names, short names and categories real
/// Kubernetes (v1.33) lists in discovery.
/// </summary>
public sealed class KindRegistry
{
    private static readonly string[] All = ["all"];
    private static readonly string[] StatusOnly = ["status"];
    private static readonly string[] StatusAndScale = ["status", "scale"];
    private static readonly string[] ApiExtensions = ["api-extensions"];
    private static readonly string[] CreateOnly = ["create"];
    private static readonly string[] GetAndList = ["get", "list"];

    // The namespace REST storage has no DeleteCollection.
    private static readonly string[] NamespaceVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    private readonly List<KindInfo> _kinds;
    private readonly Dictionary<(string Group, string Kind), KindInfo> _byGroupKind = [];
    private readonly Dictionary<(string Group, string Resource), KindInfo> _byResource = [];

    /// <summary>Creates a registry of the given kinds.</summary>
    public KindRegistry(IEnumerable<KindInfo> kinds)
    {
        _kinds = kinds.ToList();
        foreach (var k in _kinds)
        {
            _byGroupKind[(k.Group, k.Kind)] = k;
            _byResource[(k.Group, k.Resource)] = k;
        }
    }

    /// <summary>The built-in kinds.</summary>
    public static KindRegistry Default { get; } = new(BuiltIn());

    /// <summary>Every kind, in registration order.</summary>
    public IReadOnlyList<KindInfo> Kinds => _kinds;

    /// <summary>The API groups with their versions (core group as the empty string).</summary>
    public IEnumerable<(string Group, string Version)> GroupVersions =>
        _kinds.Select(k => (k.Group, k.Version)).Distinct();

    /// <summary>Looks a kind up by apiVersion and kind.</summary>
    /// <exception cref="UnknownKindException">When the pair is not served.</exception>
    public KindInfo Resolve(string apiVersion, string kind) =>
        TryResolve(apiVersion, kind, out var info) ? info : throw new UnknownKindException(apiVersion, kind);

    /// <summary>Looks the kind of an object up.</summary>
    /// <exception cref="UnknownKindException">When its apiVersion/kind is not served.</exception>
    public KindInfo Resolve(KubeObject obj) => Resolve(obj.ApiVersion, obj.Kind);

    /// <summary>Tries to look a kind up by apiVersion and kind (version must match).</summary>
    public bool TryResolve(string apiVersion, string kind, out KindInfo info)
    {
        var (group, version) = GroupVersionKind.SplitApiVersion(apiVersion);
        if (_byGroupKind.TryGetValue((group, kind), out var found) && found.Version == version)
        {
            info = found;
            return true;
        }
        info = null!;
        return false;
    }

    /// <summary>Looks a kind up by group and plural resource name (as in a URL).</summary>
    public KindInfo? FindByResource(string group, string resource) =>
        _byResource.TryGetValue((group, resource), out var info) ? info : null;

    /// <summary>
    /// Resolves what a user typed (<c>deploy</c>, <c>deployments</c>, <c>deployment</c>, <c>Deployment</c>,
    /// <c>deployments.apps</c>); core and unique matches first, as kubectl's RESTMapper prefers.
    /// </summary>
    public KindInfo? FindByAnyName(string name)
    {
        var dot = name.IndexOf('.');
        string? group = null;
        if (dot > 0)
        {
            group = name[(dot + 1)..];
            name = name[..dot];
        }
        var lower = name.ToLowerInvariant();
        var matches = _kinds.Where(k =>
            (group is null || k.Group == group)
            && (k.Resource == lower || k.Singular == lower || k.ShortNames.Contains(lower) || string.Equals(k.Kind, name, StringComparison.OrdinalIgnoreCase)));
        return matches.OrderBy(k => k.Group.Length == 0 ? 0 : 1).FirstOrDefault();
    }

    /// <summary>Every kind in a category (<c>all</c>).</summary>
    public IEnumerable<KindInfo> InCategory(string category) => _kinds.Where(k => k.Categories.Contains(category));

    private static IEnumerable<KindInfo> BuiltIn()
    {
        const NameRule Subdomain = NameRule.Dns1123Subdomain;
        yield return new("", "v1", "Namespace", "namespaces", "namespace", false, ["ns"], [], NameRule.Dns1123Label, StatusOnly, "Namespace", NamespaceVerbs);
        yield return new("", "v1", "Node", "nodes", "node", false, ["no"], [], Subdomain, StatusOnly, "Node");
        yield return new("", "v1", "Pod", "pods", "pod", true, ["po"], All, Subdomain, ["status", "log"], "Pod");
        yield return new("", "v1", "Service", "services", "service", true, ["svc"], All, NameRule.Dns1035Label, StatusOnly, "Service");
        yield return new("", "v1", "Endpoints", "endpoints", "endpoints", true, ["ep"], [], Subdomain, [], "Endpoints");
        yield return new("", "v1", "ConfigMap", "configmaps", "configmap", true, ["cm"], [], Subdomain, [], "ConfigMap");
        yield return new("", "v1", "Secret", "secrets", "secret", true, [], [], Subdomain, [], "Secret");
        yield return new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", true, ["pvc"], [], Subdomain, StatusOnly, "PersistentVolumeClaim");
        yield return new("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", false, ["pv"], [], Subdomain, StatusOnly, "PersistentVolume");
        yield return new("", "v1", "Event", "events", "event", true, ["ev"], [], Subdomain, [], "Event");
        yield return new("apps", "v1", "Deployment", "deployments", "deployment", true, ["deploy"], All, Subdomain, StatusAndScale, "Deployment");
        yield return new("apps", "v1", "ReplicaSet", "replicasets", "replicaset", true, ["rs"], All, Subdomain, StatusAndScale, "ReplicaSet");
        yield return new("apps", "v1", "StatefulSet", "statefulsets", "statefulset", true, ["sts"], All, NameRule.Dns1123Label, StatusAndScale, "StatefulSet");
        yield return new("apps", "v1", "DaemonSet", "daemonsets", "daemonset", true, ["ds"], All, Subdomain, StatusOnly, "DaemonSet");
        yield return new("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", true, [], [], Subdomain, [], "ControllerRevision");
        yield return new("batch", "v1", "Job", "jobs", "job", true, [], All, Subdomain, StatusOnly, "Job");
        yield return new("batch", "v1", "CronJob", "cronjobs", "cronjob", true, ["cj"], All, Subdomain, StatusOnly, "CronJob");
        yield return new("coordination.k8s.io", "v1", "Lease", "leases", "lease", true, [], [], Subdomain, [], "Lease");
        yield return new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", true, [], [], Subdomain, [], "EndpointSlice");
        yield return new("events.k8s.io", "v1", "Event", "events", "event", true, ["ev"], [], Subdomain, [], "EventsV1Event");
        yield return new("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", false, ["sc"], [], Subdomain, [], "StorageClass");
        yield return new("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", true, ["sa"], [], Subdomain, [], "ServiceAccount");
        yield return new("", "v1", "ReplicationController", "replicationcontrollers", "replicationcontroller", true, ["rc"], All, Subdomain, StatusAndScale, "ReplicationController");
        yield return new("", "v1", "PodTemplate", "podtemplates", "podtemplate", true, [], [], Subdomain, [], "PodTemplate");
        yield return new("", "v1", "ResourceQuota", "resourcequotas", "resourcequota", true, ["quota"], [], Subdomain, StatusOnly, "ResourceQuota");
        yield return new("", "v1", "LimitRange", "limitranges", "limitrange", true, ["limits"], [], Subdomain, [], "LimitRange");
        // RBAC names are path segments (ValidateRBACName): "system:controller:x" is valid.
        yield return new("rbac.authorization.k8s.io", "v1", "Role", "roles", "role", true, [], [], NameRule.PathSegment, [], "Role");
        yield return new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", false, [], [], NameRule.PathSegment, [], "ClusterRole");
        yield return new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", true, [], [], NameRule.PathSegment, [], "RoleBinding");
        yield return new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false, [], [], NameRule.PathSegment, [], "ClusterRoleBinding");
        yield return new("networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", true, ["ing"], [], Subdomain, StatusOnly, "Ingress");
        yield return new("networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass", false, [], [], Subdomain, [], "IngressClass");
        yield return new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", "networkpolicy", true, ["netpol"], [], Subdomain, [], "NetworkPolicy");
        yield return new("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", true, ["pdb"], [], Subdomain, StatusOnly, "PodDisruptionBudget");
        yield return new("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", "priorityclass", false, ["pc"], [], Subdomain, [], "PriorityClass");
        yield return new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", true, ["hpa"], All, Subdomain, StatusOnly, "HorizontalPodAutoscaler");
        yield return new("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "runtimeclass", false, [], [], Subdomain, [], "RuntimeClass");
        yield return new("storage.k8s.io", "v1", "CSIDriver", "csidrivers", "csidriver", false, [], [], Subdomain, [], "CSIDriver");
        yield return new("storage.k8s.io", "v1", "CSINode", "csinodes", "csinode", false, [], [], Subdomain, [], "CSINode");
        yield return new("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", "volumeattachment", false, [], [], Subdomain, StatusOnly, "VolumeAttachment");
        yield return new("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", "certificatesigningrequest", false, ["csr"], [], Subdomain, StatusOnly, "CertificateSigningRequest");
        yield return new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", "customresourcedefinition", false, ["crd", "crds"], ApiExtensions, Subdomain, StatusOnly, "CustomResourceDefinition");
        yield return new("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", false, [], ApiExtensions, Subdomain, [], "MutatingWebhookConfiguration");
        yield return new("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", "validatingwebhookconfiguration", false, [], ApiExtensions, Subdomain, [], "ValidatingWebhookConfiguration");
        // Answered, never stored: bindings assign a pod to a node, componentstatuses report the control plane's health.
        yield return new("", "v1", "Binding", "bindings", "binding", true, [], [], Subdomain, [], "Binding", CreateOnly, Stored: false);
        yield return new("", "v1", "ComponentStatus", "componentstatuses", "componentstatus", false, ["cs"], [], Subdomain, [], "ComponentStatus", GetAndList, Stored: false);
        // APIService names are path segments that must read version.group (the core group's is "v1.").
        yield return new("apiregistration.k8s.io", "v1", "APIService", "apiservices", "apiservice", false, [], ApiExtensions, NameRule.PathSegment, StatusOnly, "APIService");
        yield return new("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas", "flowschema", false, [], [], Subdomain, StatusOnly, "FlowSchema");
        yield return new("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", "prioritylevelconfiguration", false, [], [], Subdomain, StatusOnly, "PriorityLevelConfiguration");
        yield return new("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", "validatingadmissionpolicy", false, [], ApiExtensions, Subdomain, StatusOnly, "ValidatingAdmissionPolicy");
        yield return new("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", false, [], ApiExtensions, Subdomain, [], "ValidatingAdmissionPolicyBinding");
        yield return new("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", "csistoragecapacity", true, [], [], Subdomain, [], "CSIStorageCapacity");
        // IPAddress names are the address itself, in canonical form.
        yield return new("networking.k8s.io", "v1", "IPAddress", "ipaddresses", "ipaddress", false, ["ip"], [], NameRule.IPAddress, [], "IPAddress");
        yield return new("networking.k8s.io", "v1", "ServiceCIDR", "servicecidrs", "servicecidr", false, [], [], Subdomain, StatusOnly, "ServiceCIDR");
        // The review APIs: create-only, answered from the request's user, never stored.
        yield return new("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", "tokenreview", false, [], [], Subdomain, [], "TokenReview", CreateOnly, Stored: false);
        yield return new("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", false, [], [], Subdomain, [], "SelfSubjectReview", CreateOnly, Stored: false);
        yield return new("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", "subjectaccessreview", false, [], [], Subdomain, [], "SubjectAccessReview", CreateOnly, Stored: false);
        yield return new("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", "selfsubjectaccessreview", false, [], [], Subdomain, [], "SelfSubjectAccessReview", CreateOnly, Stored: false);
        yield return new("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", "selfsubjectrulesreview", false, [], [], Subdomain, [], "SelfSubjectRulesReview", CreateOnly, Stored: false);
        yield return new("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", "localsubjectaccessreview", true, [], [], Subdomain, [], "LocalSubjectAccessReview", CreateOnly, Stored: false);
    }
}
