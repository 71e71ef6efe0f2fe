using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.Fuzzing;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Validation;

namespace Emulator.Api.Tests;

/// <summary>The Tables of the kinds beyond workloads: the columns <c>kubectl get</c> prints for them on 1.33.</summary>
public sealed class BuiltInKindTableTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

    private async Task<(string[] Columns, JsonArray Cells)> TableRow(string collection, JsonObject obj)
    {
        var (status, created) = await api.Send(HttpMethod.Post, collection, obj);
        Assert.True(status == 201, created.ToJsonString());
        var (_, table) = await api.Send(HttpMethod.Get, collection, accept: TableAccept);
        var columns = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToArray();
        var name = obj["metadata"]!["name"]!.GetValue<string>();
        var row = table["rows"]!.AsArray().First(r => r!["object"]!["metadata"]!["name"]!.GetValue<string>() == name)!;
        return (columns, row["cells"]!.AsArray());
    }

    private static JsonObject Object(string apiVersion, string kind, string name, string? ns, params (string Field, JsonNode Value)[] fields)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata };
        foreach (var (field, value) in fields)
        {
            obj[field] = value;
        }
        return obj;
    }

    private static string[] Texts(JsonArray cells) => cells.Select(c => c?.ToString() ?? "").ToArray();

    [Fact]
    public async Task Services_print_their_external_ip_as_kubectl_does()
    {
        static JsonObject Spec(string type, params (string Field, JsonNode Value)[] fields)
        {
            var spec = new JsonObject { ["type"] = type, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) };
            foreach (var (field, value) in fields)
            {
                spec[field] = value;
            }
            return spec;
        }
        var (columns, pending) = await TableRow("/api/v1/namespaces/default/services", Object("v1", "Service", "table-lb", "default", ("spec", Spec("LoadBalancer"))));
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], columns);
        Assert.Equal("<pending>", Texts(pending)[3]);
        var (_, external) = await TableRow("/api/v1/namespaces/default/services",
            Object("v1", "Service", "table-ext", "default", ("spec", new JsonObject { ["type"] = "ExternalName", ["externalName"] = "db.example.com" })));
        Assert.Equal("db.example.com", Texts(external)[3]);
        var (_, plain) = await TableRow("/api/v1/namespaces/default/services",
            Object("v1", "Service", "table-ips", "default", ("spec", Spec("ClusterIP", ("externalIPs", new JsonArray("192.0.2.1", "192.0.2.2"))))));
        Assert.Equal("192.0.2.1,192.0.2.2", Texts(plain)[3]);
    }

    [Fact]
    public async Task ServiceAccounts_print_their_secret_count()
    {
        var (columns, cells) = await TableRow("/api/v1/namespaces/default/serviceaccounts",
            Object("v1", "ServiceAccount", "robot", "default", ("secrets", new JsonArray(new JsonObject { ["name"] = "token" }))));
        Assert.Equal(["Name", "Secrets", "Age"], columns);
        Assert.Equal(["robot", "1"], Texts(cells)[..2]);
    }

    [Fact]
    public async Task RoleBindings_print_the_role_and_subjects_by_kind()
    {
        var (columns, cells) = await TableRow("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            Object("rbac.authorization.k8s.io/v1", "RoleBinding", "readers", "default",
                ("roleRef", new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "view" }),
                ("subjects", new JsonArray(
                    new JsonObject { ["kind"] = "User", ["name"] = "jane" },
                    new JsonObject { ["kind"] = "Group", ["name"] = "devs" },
                    new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "robot", ["namespace"] = "ci" }))));
        Assert.Equal(["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"], columns);
        var texts = Texts(cells);
        Assert.Equal(["readers", "ClusterRole/view"], texts[..2]);
        Assert.Equal(["jane", "devs", "ci/robot"], texts[3..]);
    }

    [Fact]
    public async Task Roles_print_their_creation_time()
    {
        var (columns, cells) = await TableRow("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            Object("rbac.authorization.k8s.io/v1", "Role", "reader", "default"));
        Assert.Equal(["Name", "Created At"], columns);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", Texts(cells)[1]);
    }

    [Fact]
    public async Task Ingresses_print_class_hosts_address_and_ports()
    {
        var rule = (string host) => new JsonObject { ["host"] = host };
        var (columns, cells) = await TableRow("/apis/networking.k8s.io/v1/namespaces/default/ingresses",
            Object("networking.k8s.io/v1", "Ingress", "web", "default",
                ("spec", new JsonObject
                {
                    ["ingressClassName"] = "emulator",
                    ["rules"] = new JsonArray(rule("a.example.com"), rule("b.example.com"), rule("c.example.com"), rule("d.example.com")),
                    ["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray("a.example.com") }),
                }),
                ("status", new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.7" }) } })));
        Assert.Equal(["Name", "Class", "Hosts", "Address", "Ports", "Age"], columns);
        Assert.Equal(["web", "emulator", "a.example.com,b.example.com,c.example.com + 1 more...", "10.0.0.7", "80, 443"], Texts(cells)[..5]);
    }

    [Fact]
    public async Task Budgets_priority_classes_and_policies_print_their_settings()
    {
        var (pdbColumns, pdb) = await TableRow("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
            Object("policy/v1", "PodDisruptionBudget", "web", "default", ("spec", new JsonObject { ["minAvailable"] = 2 }), ("status", new JsonObject { ["disruptionsAllowed"] = 1 })));
        Assert.Equal(["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"], pdbColumns);
        Assert.Equal(["web", "2", "N/A", "1"], Texts(pdb)[..4]);

        var (pcColumns, pc) = await TableRow("/apis/scheduling.k8s.io/v1/priorityclasses",
            Object("scheduling.k8s.io/v1", "PriorityClass", "high", null, ("value", 1000), ("preemptionPolicy", "Never")));
        Assert.Equal(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"], pcColumns);
        Assert.Equal(1000, pc[1]!.GetValue<int>());
        Assert.False(pc[2]!.GetValue<bool>());
        Assert.Equal("Never", pc[4]!.GetValue<string>());

        var (npColumns, np) = await TableRow("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
            Object("networking.k8s.io/v1", "NetworkPolicy", "deny", "default", ("spec", new JsonObject { ["podSelector"] = new JsonObject() })));
        Assert.Equal(["Name", "Pod-Selector", "Age"], npColumns);
        Assert.Equal("<none>", Texts(np)[1]);
    }

    [Fact]
    public async Task Quotas_and_autoscalers_print_usage_and_targets()
    {
        var (quotaColumns, quota) = await TableRow("/api/v1/namespaces/default/resourcequotas",
            Object("v1", "ResourceQuota", "team", "default",
                ("spec", new JsonObject { ["hard"] = new JsonObject { ["pods"] = "10", ["requests.cpu"] = "1", ["limits.memory"] = "1Gi" } }),
                ("status", new JsonObject
                {
                    ["hard"] = new JsonObject { ["pods"] = "10", ["requests.cpu"] = "1", ["limits.memory"] = "1Gi" },
                    ["used"] = new JsonObject { ["pods"] = "3", ["requests.cpu"] = "250m", ["limits.memory"] = "0" },
                })));
        Assert.Equal(["Name", "Age", "Request", "Limit"], quotaColumns);
        Assert.Equal(["pods: 3/10, requests.cpu: 250m/1", "limits.memory: 0/1Gi"], Texts(quota)[2..]);

        var (hpaColumns, hpa) = await TableRow("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
            Object("autoscaling/v2", "HorizontalPodAutoscaler", "web", "default", ("spec", new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web" },
                ["minReplicas"] = 1,
                ["maxReplicas"] = 5,
                ["metrics"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Resource",
                    ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 } },
                }),
            })));
        Assert.Equal(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"], hpaColumns);
        Assert.Equal(["web", "Deployment/web", "cpu: <unknown>/80%", "1", "5", "0"], Texts(hpa)[..6]);
    }

    [Fact]
    public async Task Discovery_lists_the_new_groups_with_short_names()
    {
        var (_, rbac) = await api.Send(HttpMethod.Get, "/apis/rbac.authorization.k8s.io/v1");
        Assert.Equal(["clusterrolebindings", "clusterroles", "rolebindings", "roles"],
            rbac["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var (_, core) = await api.Send(HttpMethod.Get, "/api/v1");
        var sa = core["resources"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "serviceaccounts")!;
        Assert.Equal("sa", sa["shortNames"]![0]!.GetValue<string>());
        var (_, policy) = await api.Send(HttpMethod.Get, "/apis/policy/v1");
        Assert.Contains(policy["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "poddisruptionbudgets/status");
    }

    [Fact]
    public void The_fuzzer_seed_of_every_kind_added_here_is_a_valid_object()
    {
        // A seed the pipeline refused would leave the fuzzer's updates and patches of that kind a 404.
        string[] kinds =
        [
            "ServiceAccount", "ReplicationController", "PodTemplate", "ResourceQuota", "LimitRange", "Role", "ClusterRole", "RoleBinding",
            "ClusterRoleBinding", "Ingress", "IngressClass", "NetworkPolicy", "PodDisruptionBudget", "PriorityClass", "HorizontalPodAutoscaler",
            "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "CertificateSigningRequest", "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ];
        // The stored version of each (autoscaling/v1 HorizontalPodAutoscalers are converted to v2).
        var resources = ApiResourceCatalog.Default.Resources.Where(r => kinds.Contains(r.Kind) && r.Conversion is null).ToList();
        Assert.Equal(kinds.Length, resources.Count);
        foreach (var resource in resources)
        {
            var obj = new KubeObject(SeedObjects.For(resource));
            var kind = KindRegistry.Default.Resolve(obj);
            TypedDecoder.EnsureDecodes(obj.Document, kind);
            Assert.Empty(StrictFieldValidation.Apply(obj, kind, FieldValidationMode.Strict));
            ObjectDefaulter.Apply(obj);
            obj.Metadata["uid"] = "00000000-0000-0000-0000-000000000001";
            CreateDefaults.Apply(obj);
            Assert.True(ObjectValidator.Validate(obj, kind).Count == 0, $"{resource.Kind}: {string.Join("; ", ObjectValidator.Validate(obj, kind))}");
        }
    }
}
