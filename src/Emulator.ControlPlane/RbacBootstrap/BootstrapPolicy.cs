using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.RbacBootstrap;

/// <summary>
/// The RBAC objects a Kubernetes 1.33 API server creates at start (its <c>rbac/bootstrap-roles</c> hook): the
/// user-facing <c>cluster-admin</c>, <c>admin</c>, <c>edit</c> and <c>view</c> roles (the last three aggregated from the
/// <c>aggregate-to-*</c> roles), the roles of the system's components, and the bindings that give
/// <c>system:masters</c> everything and every authenticated user discovery and self-reviews. Each carries
/// <c>kubernetes.io/bootstrapping: rbac-defaults</c> and <c>rbac.authorization.kubernetes.io/autoupdate: "true"</c>.
/// (The per-controller <c>system:controller:*</c> roles are not created: the emulated controllers do not go through
/// RBAC.)
/// </summary>
public static class BootstrapPolicy
{
    /// <summary>The annotation saying the API server may add what the bootstrap object is missing at start.</summary>
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";

    private const string Rbac = "rbac.authorization.k8s.io";
    private const string ApiVersion = Rbac + "/v1";
    private const string ReadVerbs = "get,list,watch";
    private const string WriteVerbs = "create,delete,deletecollection,patch,update";
    private const string AllVerbs = "create,delete,deletecollection,get,list,patch,update,watch";
    private const string EventWriters = "create,patch,update";

    /// <summary>The ClusterRoles, by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> ClusterRoles { get; } = new[]
    {
        Aggregated("admin", "admin", null),
        ClusterRole("cluster-admin", null, Rule("*", "*", "*"), Urls("*", "*")),
        Aggregated("edit", "edit", "admin"),
        ClusterRole("system:aggregate-to-admin", "admin",
            Rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
            Rule(AllVerbs, Rbac, "rolebindings,roles")),
        ClusterRole("system:aggregate-to-edit", "edit",
            Rule(ReadVerbs, "", "pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy"),
            Rule("impersonate", "", "serviceaccounts"),
            Rule(WriteVerbs, "", "pods,pods/attach,pods/exec,pods/portforward,pods/proxy"),
            Rule("create", "", "pods/eviction"),
            Rule(WriteVerbs, "", "configmaps,events,persistentvolumeclaims,replicationcontrollers,replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy"),
            Rule("create", "", "serviceaccounts/token"),
            Rule(WriteVerbs, "apps", "daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,replicasets/scale,statefulsets,statefulsets/scale"),
            Rule(WriteVerbs, "autoscaling", "horizontalpodautoscalers"),
            Rule(WriteVerbs, "batch", "cronjobs,jobs"),
            Rule(WriteVerbs, "extensions", "daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale"),
            Rule(WriteVerbs, "policy", "poddisruptionbudgets"),
            Rule(WriteVerbs, "networking.k8s.io", "ingresses,networkpolicies"),
            Rule(AllVerbs, "coordination.k8s.io", "leases")),
        ClusterRole("system:aggregate-to-view", "view",
            Rule(ReadVerbs, "", "configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status"),
            Rule(ReadVerbs, "", "bindings,events,limitranges,namespaces/status,pods/log,pods/status,replicationcontrollers/status,resourcequotas,resourcequotas/status"),
            Rule(ReadVerbs, "", "namespaces"),
            Rule(ReadVerbs, "discovery.k8s.io", "endpointslices"),
            Rule(ReadVerbs, "apps", "controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,statefulsets/scale,statefulsets/status"),
            Rule(ReadVerbs, "autoscaling", "horizontalpodautoscalers,horizontalpodautoscalers/status"),
            Rule(ReadVerbs, "batch", "cronjobs,cronjobs/status,jobs,jobs/status"),
            Rule(ReadVerbs, "extensions", "daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,ingresses,ingresses/status,networkpolicies,replicasets,replicasets/scale,replicasets/status,replicationcontrollers/scale"),
            Rule(ReadVerbs, "policy", "poddisruptionbudgets,poddisruptionbudgets/status"),
            Rule(ReadVerbs, "networking.k8s.io", "ingresses,ingresses/status,networkpolicies")),
        ClusterRole("system:auth-delegator", null,
            Rule("create", "authentication.k8s.io", "tokenreviews"),
            Rule("create", "authorization.k8s.io", "subjectaccessreviews")),
        ClusterRole("system:basic-user", null,
            Rule("create", "authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews"),
            Rule("create", "authentication.k8s.io", "selfsubjectreviews")),
        ClusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", null,
            Rule("create", "certificates.k8s.io", "certificatesigningrequests/nodeclient")),
        ClusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", null,
            Rule("create", "certificates.k8s.io", "certificatesigningrequests/selfnodeclient")),
        Approver("kube-apiserver-client"),
        Approver("kube-apiserver-client-kubelet"),
        Approver("kubelet-serving"),
        Approver("legacy-unknown"),
        ClusterRole("system:discovery", null,
            Urls("get", "/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,/version,/version/")),
        ClusterRole("system:heapster", null,
            Rule(ReadVerbs, "", "events,namespaces,nodes,pods"),
            Rule(ReadVerbs, "extensions", "deployments")),
        ClusterRole("system:kube-aggregator", null, Rule(ReadVerbs, "", "endpoints,services")),
        ClusterRole("system:kube-controller-manager", null,
            Rule(EventWriters, ",events.k8s.io", "events"),
            Rule("create", "coordination.k8s.io", "leases"),
            Rule("get,update", "coordination.k8s.io", "leases", "kube-controller-manager"),
            Rule("create", "", "secrets,serviceaccounts"),
            Rule("delete", "", "secrets"),
            Rule("get", "", "configmaps,namespaces,secrets,serviceaccounts"),
            Rule("update", "", "secrets,serviceaccounts"),
            Rule("create", "authentication.k8s.io", "tokenreviews"),
            Rule("create", "authorization.k8s.io", "subjectaccessreviews"),
            Rule("list,watch", "*", "*"),
            Rule("create", "", "serviceaccounts/token")),
        ClusterRole("system:kube-dns", null, Rule("list,watch", "", "endpoints,services")),
        ClusterRole("system:kube-scheduler", null,
            Rule(EventWriters, ",events.k8s.io", "events"),
            Rule("create", "coordination.k8s.io", "leases"),
            Rule("get,update", "coordination.k8s.io", "leases", "kube-scheduler"),
            Rule(ReadVerbs, "", "nodes"),
            Rule("delete,get,list,watch", "", "pods"),
            Rule("create", "", "bindings,pods/binding"),
            Rule("patch,update", "", "pods/status"),
            Rule(ReadVerbs, "", "replicationcontrollers,services"),
            Rule(ReadVerbs, "apps,extensions", "replicasets"),
            Rule(ReadVerbs, "apps", "statefulsets"),
            Rule(ReadVerbs, "policy", "poddisruptionbudgets"),
            Rule(ReadVerbs, "", "persistentvolumeclaims,persistentvolumes"),
            Rule("create", "authentication.k8s.io", "tokenreviews"),
            Rule("create", "authorization.k8s.io", "subjectaccessreviews"),
            Rule(ReadVerbs, "storage.k8s.io", "csinodes"),
            Rule(ReadVerbs, "", "namespaces"),
            Rule(ReadVerbs, "storage.k8s.io", "csidrivers"),
            Rule(ReadVerbs, "storage.k8s.io", "csistoragecapacities")),
        ClusterRole("system:kubelet-api-admin", null,
            Rule(ReadVerbs, "", "nodes"),
            Rule("proxy", "", "nodes"),
            Rule("*", "", "nodes/log,nodes/metrics,nodes/proxy,nodes/stats")),
        ClusterRole("system:monitoring", null,
            Urls("get", "/healthz,/healthz/*,/livez,/livez/*,/metrics,/metrics/slis,/readyz,/readyz/*")),
        ClusterRole("system:node", null,
            Rule("create", "authentication.k8s.io", "tokenreviews"),
            Rule("create", "authorization.k8s.io", "localsubjectaccessreviews,subjectaccessreviews"),
            Rule(ReadVerbs, "", "services"),
            Rule("create,get,list,watch", "", "nodes"),
            Rule("patch,update", "", "nodes/status"),
            Rule("patch,update", "", "nodes"),
            Rule(EventWriters, "", "events"),
            Rule(ReadVerbs, "", "pods"),
            Rule("create,delete", "", "pods"),
            Rule("patch,update", "", "pods/status"),
            Rule("create", "", "pods/eviction"),
            Rule(ReadVerbs, "", "configmaps,secrets"),
            Rule("get", "", "persistentvolumeclaims,persistentvolumes"),
            Rule("get", "", "endpoints"),
            Rule("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"),
            Rule("create,delete,get,patch,update", "coordination.k8s.io", "leases"),
            Rule("get", "storage.k8s.io", "volumeattachments"),
            Rule("create", "", "serviceaccounts/token"),
            Rule("get,patch,update", "", "persistentvolumeclaims/status"),
            Rule(ReadVerbs, "storage.k8s.io", "csidrivers"),
            Rule("create,delete,get,patch,update", "storage.k8s.io", "csinodes"),
            Rule(ReadVerbs, "node.k8s.io", "runtimeclasses")),
        ClusterRole("system:node-bootstrapper", null,
            Rule("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests")),
        ClusterRole("system:node-problem-detector", null,
            Rule("get", "", "nodes"),
            Rule("patch", "", "nodes/status"),
            Rule(EventWriters, ",events.k8s.io", "events")),
        ClusterRole("system:node-proxier", null,
            Rule("list,watch", "", "endpoints,services"),
            Rule(ReadVerbs, "", "nodes"),
            Rule(EventWriters, ",events.k8s.io", "events"),
            Rule("list,watch", "discovery.k8s.io", "endpointslices")),
        ClusterRole("system:persistent-volume-provisioner", null,
            Rule("create,delete,get,list,watch", "", "persistentvolumes"),
            Rule("get,list,update,watch", "", "persistentvolumeclaims"),
            Rule(ReadVerbs, "storage.k8s.io", "storageclasses"),
            Rule("watch", "", "events"),
            Rule(EventWriters, ",events.k8s.io", "events")),
        ClusterRole("system:public-info-viewer", null, Urls("get", "/healthz,/livez,/readyz,/version,/version/")),
        ClusterRole("system:service-account-issuer-discovery", null, Urls("get", "/.well-known/openid-configuration,/openid/v1/jwks")),
        ClusterRole("system:volume-scheduler", null,
            Rule("get,list,patch,update,watch", "", "persistentvolumes"),
            Rule(ReadVerbs, "storage.k8s.io", "storageclasses"),
            Rule("get,list,patch,update,watch", "", "persistentvolumeclaims")),
        Aggregated("view", "view", "edit"),
    }.ToDictionary(Name, StringComparer.Ordinal);

    /// <summary>The ClusterRoleBindings, by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> ClusterRoleBindings { get; } = new[]
    {
        ClusterBinding("cluster-admin", "cluster-admin", Group("system:masters")),
        ClusterBinding("system:basic-user", "system:basic-user", Group("system:authenticated")),
        ClusterBinding("system:discovery", "system:discovery", Group("system:authenticated")),
        ClusterBinding("system:kube-controller-manager", "system:kube-controller-manager", User("system:kube-controller-manager")),
        ClusterBinding("system:kube-dns", "system:kube-dns", ServiceAccount("kube-system", "kube-dns")),
        ClusterBinding("system:kube-scheduler", "system:kube-scheduler", User("system:kube-scheduler")),
        ClusterBinding("system:monitoring", "system:monitoring", Group("system:monitoring")),
        ClusterBinding("system:node", "system:node"),
        ClusterBinding("system:node-proxier", "system:node-proxier", User("system:kube-proxy")),
        ClusterBinding("system:public-info-viewer", "system:public-info-viewer", Group("system:authenticated"), Group("system:unauthenticated")),
        ClusterBinding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", Group("system:serviceaccounts")),
        ClusterBinding("system:volume-scheduler", "system:volume-scheduler", User("system:kube-scheduler")),
    }.ToDictionary(Name, StringComparer.Ordinal);

    /// <summary>The Roles in <c>kube-system</c> and <c>kube-public</c>.</summary>
    public static IReadOnlyList<JsonObject> Roles { get; } =
    [
        Role("kube-system", "extension-apiserver-authentication-reader", Rule(ReadVerbs, "", "configmaps", "extension-apiserver-authentication")),
        Role("kube-system", "system::leader-locking-kube-controller-manager",
            Rule("watch", "", "configmaps"),
            Rule("get,update", "", "configmaps", "kube-controller-manager")),
        Role("kube-system", "system::leader-locking-kube-scheduler",
            Rule("watch", "", "configmaps"),
            Rule("get,update", "", "configmaps", "kube-scheduler")),
        Role("kube-system", "system:controller:bootstrap-signer", Rule(ReadVerbs, "", "secrets")),
        Role("kube-system", "system:controller:cloud-provider", Rule("create,get,list,watch", "", "configmaps")),
        Role("kube-system", "system:controller:token-cleaner",
            Rule("delete,get,list,watch", "", "secrets"),
            Rule(EventWriters, ",events.k8s.io", "events")),
        Role("kube-public", "system:controller:bootstrap-signer",
            Rule(ReadVerbs, "", "configmaps"),
            Rule("patch,update", "", "configmaps", "cluster-info"),
            Rule(EventWriters, ",events.k8s.io", "events")),
    ];

    /// <summary>The RoleBindings in <c>kube-system</c> and <c>kube-public</c>.</summary>
    public static IReadOnlyList<JsonObject> RoleBindings { get; } =
    [
        Binding("kube-system", "system::extension-apiserver-authentication-reader", "extension-apiserver-authentication-reader",
            User("system:kube-controller-manager"), User("system:kube-scheduler")),
        Binding("kube-system", "system::leader-locking-kube-controller-manager", "system::leader-locking-kube-controller-manager",
            User("system:kube-controller-manager"), ServiceAccount("kube-system", "kube-controller-manager")),
        Binding("kube-system", "system::leader-locking-kube-scheduler", "system::leader-locking-kube-scheduler",
            User("system:kube-scheduler"), ServiceAccount("kube-system", "kube-scheduler")),
        Binding("kube-system", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", ServiceAccount("kube-system", "bootstrap-signer")),
        Binding("kube-system", "system:controller:cloud-provider", "system:controller:cloud-provider", ServiceAccount("kube-system", "cloud-provider")),
        Binding("kube-system", "system:controller:token-cleaner", "system:controller:token-cleaner", ServiceAccount("kube-system", "token-cleaner")),
        Binding("kube-public", "system:controller:bootstrap-signer", "system:controller:bootstrap-signer", ServiceAccount("kube-system", "bootstrap-signer")),
    ];

    private static JsonObject ClusterRole(string name, string? aggregatesTo, params JsonObject[] rules)
    {
        var role = Object("ClusterRole", null, name, aggregatesTo);
        role["rules"] = new JsonArray(rules);
        return role;
    }

    /// <summary>A role whose rules the aggregation controller gathers from the roles labelled <c>aggregate-to-NAME</c>.</summary>
    private static JsonObject Aggregated(string name, string selects, string? aggregatesTo)
    {
        var role = Object("ClusterRole", null, name, aggregatesTo);
        role["aggregationRule"] = new JsonObject
        {
            ["clusterRoleSelectors"] = new JsonArray(new JsonObject
            {
                ["matchLabels"] = new JsonObject { [$"{Rbac}/aggregate-to-{selects}"] = "true" },
            }),
        };
        role["rules"] = new JsonArray();
        return role;
    }

    private static JsonObject Approver(string signer) =>
        ClusterRole($"system:certificates.k8s.io:{signer}-approver", null, Rule("approve", "certificates.k8s.io", "signers", "kubernetes.io/" + signer));

    private static JsonObject Role(string ns, string name, params JsonObject[] rules)
    {
        var role = Object("Role", ns, name, null);
        role["rules"] = new JsonArray(rules);
        return role;
    }

    private static JsonObject ClusterBinding(string name, string clusterRole, params JsonObject[] subjects) =>
        WithRef(Object("ClusterRoleBinding", null, name, null), "ClusterRole", clusterRole, subjects);

    private static JsonObject Binding(string ns, string name, string role, params JsonObject[] subjects) =>
        WithRef(Object("RoleBinding", ns, name, null), "Role", role, subjects);

    private static JsonObject WithRef(JsonObject binding, string kind, string name, JsonObject[] subjects)
    {
        binding["roleRef"] = new JsonObject { ["apiGroup"] = Rbac, ["kind"] = kind, ["name"] = name };
        if (subjects.Length > 0)
        {
            binding["subjects"] = new JsonArray(subjects);
        }
        return binding;
    }

    private static JsonObject Object(string kind, string? ns, string name, string? aggregatesTo)
    {
        var labels = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" };
        if (aggregatesTo is not null)
        {
            labels[$"{Rbac}/aggregate-to-{aggregatesTo}"] = "true";
        }
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["labels"] = labels,
            ["annotations"] = new JsonObject { [AutoUpdateAnnotation] = "true" },
        };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }
        return new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = kind, ["metadata"] = metadata };
    }

    /// <summary>A resource rule: comma-separated verbs, groups (a leading comma for the core group), resources and names.</summary>
    private static JsonObject Rule(string verbs, string groups, string resources, string? names = null)
    {
        var rule = new JsonObject
        {
            ["verbs"] = List(verbs),
            ["apiGroups"] = List(groups),
            ["resources"] = List(resources),
        };
        if (names is not null)
        {
            rule["resourceNames"] = List(names);
        }
        return rule;
    }

    private static JsonObject Urls(string verbs, string urls) => new() { ["verbs"] = List(verbs), ["nonResourceURLs"] = List(urls) };

    private static JsonObject User(string name) => new() { ["apiGroup"] = Rbac, ["kind"] = "User", ["name"] = name };

    private static JsonObject Group(string name) => new() { ["apiGroup"] = Rbac, ["kind"] = "Group", ["name"] = name };

    private static JsonObject ServiceAccount(string ns, string name) => new() { ["kind"] = "ServiceAccount", ["name"] = name, ["namespace"] = ns };

    private static JsonArray List(string commaSeparated) => new(commaSeparated.Split(',').Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    private static string Name(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();
}
