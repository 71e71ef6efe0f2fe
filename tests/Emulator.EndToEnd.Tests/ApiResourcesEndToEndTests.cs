using System.Text.RegularExpressions;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// What a stock Kubernetes 1.33 API server (no add-ons, default feature gates) lists and answers, through real kubectl:
/// <c>api-resources</c> with every column, <c>auth whoami</c> and <c>auth can-i</c> (1.33 and 1.27), the API server's
/// own objects, and kubectl's create generators for the RBAC, ingress and priority kinds.
/// </summary>
public sealed partial class ApiResourcesEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string All = "create,delete,deletecollection,get,list,patch,update,watch";

    // `kubectl api-resources -o wide` against kube-apiserver v1.33 (kind's node image, default feature gates) with
    // metrics-server installed (metrics.k8s.io, which the emulator serves for `kubectl top`): NAME | SHORTNAMES |
    // APIVERSION | NAMESPACED | KIND | VERBS ("*" for all eight) | CATEGORIES.
    private const string Expected133 = """
        bindings |  | v1 | true | Binding | create |
        componentstatuses | cs | v1 | false | ComponentStatus | get,list |
        configmaps | cm | v1 | true | ConfigMap | * |
        endpoints | ep | v1 | true | Endpoints | * |
        events | ev | v1 | true | Event | * |
        limitranges | limits | v1 | true | LimitRange | * |
        namespaces | ns | v1 | false | Namespace | create,delete,get,list,patch,update,watch |
        nodes | no | v1 | false | Node | * |
        persistentvolumeclaims | pvc | v1 | true | PersistentVolumeClaim | * |
        persistentvolumes | pv | v1 | false | PersistentVolume | * |
        pods | po | v1 | true | Pod | * | all
        podtemplates |  | v1 | true | PodTemplate | * |
        replicationcontrollers | rc | v1 | true | ReplicationController | * | all
        resourcequotas | quota | v1 | true | ResourceQuota | * |
        secrets |  | v1 | true | Secret | * |
        serviceaccounts | sa | v1 | true | ServiceAccount | * |
        services | svc | v1 | true | Service | * | all
        mutatingwebhookconfigurations |  | admissionregistration.k8s.io/v1 | false | MutatingWebhookConfiguration | * | api-extensions
        validatingadmissionpolicies |  | admissionregistration.k8s.io/v1 | false | ValidatingAdmissionPolicy | * | api-extensions
        validatingadmissionpolicybindings |  | admissionregistration.k8s.io/v1 | false | ValidatingAdmissionPolicyBinding | * | api-extensions
        validatingwebhookconfigurations |  | admissionregistration.k8s.io/v1 | false | ValidatingWebhookConfiguration | * | api-extensions
        apiservices |  | apiregistration.k8s.io/v1 | false | APIService | * | api-extensions
        customresourcedefinitions | crd,crds | apiextensions.k8s.io/v1 | false | CustomResourceDefinition | * | api-extensions
        nodes |  | metrics.k8s.io/v1beta1 | false | NodeMetrics | get,list |
        pods |  | metrics.k8s.io/v1beta1 | true | PodMetrics | get,list |
        controllerrevisions |  | apps/v1 | true | ControllerRevision | * |
        daemonsets | ds | apps/v1 | true | DaemonSet | * | all
        deployments | deploy | apps/v1 | true | Deployment | * | all
        replicasets | rs | apps/v1 | true | ReplicaSet | * | all
        statefulsets | sts | apps/v1 | true | StatefulSet | * | all
        selfsubjectreviews |  | authentication.k8s.io/v1 | false | SelfSubjectReview | create |
        tokenreviews |  | authentication.k8s.io/v1 | false | TokenReview | create |
        localsubjectaccessreviews |  | authorization.k8s.io/v1 | true | LocalSubjectAccessReview | create |
        selfsubjectaccessreviews |  | authorization.k8s.io/v1 | false | SelfSubjectAccessReview | create |
        selfsubjectrulesreviews |  | authorization.k8s.io/v1 | false | SelfSubjectRulesReview | create |
        subjectaccessreviews |  | authorization.k8s.io/v1 | false | SubjectAccessReview | create |
        horizontalpodautoscalers | hpa | autoscaling/v2 | true | HorizontalPodAutoscaler | * | all
        cronjobs | cj | batch/v1 | true | CronJob | * | all
        jobs |  | batch/v1 | true | Job | * | all
        certificatesigningrequests | csr | certificates.k8s.io/v1 | false | CertificateSigningRequest | * |
        leases |  | coordination.k8s.io/v1 | true | Lease | * |
        endpointslices |  | discovery.k8s.io/v1 | true | EndpointSlice | * |
        events | ev | events.k8s.io/v1 | true | Event | * |
        flowschemas |  | flowcontrol.apiserver.k8s.io/v1 | false | FlowSchema | * |
        prioritylevelconfigurations |  | flowcontrol.apiserver.k8s.io/v1 | false | PriorityLevelConfiguration | * |
        ingressclasses |  | networking.k8s.io/v1 | false | IngressClass | * |
        ingresses | ing | networking.k8s.io/v1 | true | Ingress | * |
        ipaddresses | ip | networking.k8s.io/v1 | false | IPAddress | * |
        networkpolicies | netpol | networking.k8s.io/v1 | true | NetworkPolicy | * |
        servicecidrs |  | networking.k8s.io/v1 | false | ServiceCIDR | * |
        runtimeclasses |  | node.k8s.io/v1 | false | RuntimeClass | * |
        poddisruptionbudgets | pdb | policy/v1 | true | PodDisruptionBudget | * |
        clusterrolebindings |  | rbac.authorization.k8s.io/v1 | false | ClusterRoleBinding | * |
        clusterroles |  | rbac.authorization.k8s.io/v1 | false | ClusterRole | * |
        rolebindings |  | rbac.authorization.k8s.io/v1 | true | RoleBinding | * |
        roles |  | rbac.authorization.k8s.io/v1 | true | Role | * |
        priorityclasses | pc | scheduling.k8s.io/v1 | false | PriorityClass | * |
        csidrivers |  | storage.k8s.io/v1 | false | CSIDriver | * |
        csinodes |  | storage.k8s.io/v1 | false | CSINode | * |
        csistoragecapacities |  | storage.k8s.io/v1 | true | CSIStorageCapacity | * |
        storageclasses | sc | storage.k8s.io/v1 | false | StorageClass | * |
        volumeattachments |  | storage.k8s.io/v1 | false | VolumeAttachment | * |
        """;

    private async Task<string> Ok(Kubectl kubectl, params string[] args) => (await kubectl.Run(args)).Succeeded().Stdout;

    /// <summary>A kubectl table's rows as cells, cut at the header's column starts (cells may be empty).</summary>
    private static List<string[]> Rows(string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var starts = HeaderColumn().Matches(lines[0]).Select(m => m.Index).ToArray();
        return lines.Skip(1).Select(line => starts.Select((start, i) =>
            start >= line.Length ? "" : line[start..Math.Min(line.Length, i + 1 < starts.Length ? starts[i + 1] : line.Length)].Trim()).ToArray()).ToList();
    }

    [GeneratedRegex(@"\S+( \S+)*")]
    private static partial Regex HeaderColumn();

    [Fact]
    public async Task Api_resources_lists_what_a_stock_1_33_api_server_lists_with_every_column()
    {
        var output = await Ok(cluster.Kubectl, "api-resources", "-o", "wide");
        Assert.Equal("NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS CATEGORIES", string.Join(' ', output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        var actual = Rows(output)
            .Select(r => string.Join(" | ", r.Select(c => c == All ? "*" : c)).TrimEnd())
            .Order(StringComparer.Ordinal).ToList();
        var expected = Expected133.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.TrimEnd())
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Whoami_and_can_i_answer_as_for_a_cluster_administrator()
    {
        var whoami = await Ok(cluster.Kubectl, "auth", "whoami");
        Assert.Matches(@"Username\s+kubernetes-admin", whoami);
        Assert.Matches(@"Groups\s+\[system:masters system:authenticated\]", whoami);
        Assert.Matches(@"Username\s+jane", await Ok(cluster.Kubectl, "auth", "whoami", "--as", "jane"));
        Assert.Equal("yes", (await Ok(cluster.Kubectl, "auth", "can-i", "create", "pods")).Trim());
        Assert.Equal("yes", (await Ok(cluster.Kubectl, "auth", "can-i", "delete", "nodes", "--all-namespaces")).Trim());
        Assert.Equal("yes", (await Ok(cluster.Kubectl, "auth", "can-i", "get", "/healthz")).Trim());
        var rules = await Ok(cluster.Kubectl, "auth", "can-i", "--list", "-n", "default");
        Assert.Matches(@"(?m)^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]", rules);
        Assert.Matches(@"selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]", rules);

        Assert.Equal("yes", (await Ok(cluster.Kubectl127, "auth", "can-i", "create", "pods")).Trim());
        // kubectl 1.27 asks authentication.k8s.io/v1beta1 and v1alpha1, which 1.33 no longer serves by default: on a
        // real 1.33 cluster it fails the same way.
        var old = await cluster.Kubectl127.Run("auth", "whoami");
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains("the selfsubjectreviews API is not enabled in the cluster", old.Stderr);
    }

    [Fact]
    public async Task Rbac_decides_what_a_user_may_do_and_what_the_user_may_grant()
    {
        var kubectl = cluster.Kubectl;
        // The bootstrap roles a 1.33 API server creates, view aggregated from the aggregate-to-view roles.
        var roles = await Ok(kubectl, "get", "clusterroles", "-o", "name");
        Assert.All(new[] { "admin", "edit", "view", "cluster-admin", "system:discovery" }, r => Assert.Contains("clusterrole.rbac.authorization.k8s.io/" + r + "\n", roles));
        Assert.Contains("pods/log", await Ok(kubectl, "get", "clusterrole", "view", "-o", "jsonpath={.rules[*].resources}"));

        var refused = await kubectl.Run("get", "pods", "-n", "default", "--as", "jane");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", refused.Stderr);
        var no = await kubectl.Run("auth", "can-i", "create", "deployments", "-n", "rbac-e2e", "--as", "jane");
        Assert.Equal((1, "no"), (no.ExitCode, no.Stdout.Trim()));

        await Ok(kubectl, "create", "namespace", "rbac-e2e");
        await Ok(kubectl, "create", "rolebinding", "jane-admin", "-n", "rbac-e2e", "--clusterrole", "admin", "--user", "jane");
        Assert.Equal("yes", (await Ok(kubectl, "auth", "can-i", "create", "deployments", "-n", "rbac-e2e", "--as", "jane")).Trim());
        Assert.Equal("yes", (await Ok(cluster.Kubectl127, "auth", "can-i", "delete", "secrets", "-n", "rbac-e2e", "--as", "jane")).Trim());
        Assert.Equal("no", (await kubectl.Run("auth", "can-i", "create", "deployments", "-n", "default", "--as", "jane")).Stdout.Trim());
        await Ok(kubectl, "create", "configmap", "settings", "-n", "rbac-e2e", "--from-literal=a=b", "--as", "jane");
        Assert.Matches(@"deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update", await Ok(kubectl, "auth", "can-i", "--list", "-n", "rbac-e2e", "--as", "jane"));

        // jane may hand on what she holds, not more.
        await Ok(kubectl, "create", "role", "cm-reader", "-n", "rbac-e2e", "--verb", "get,list", "--resource", "configmaps", "--as", "jane");
        var escalation = await kubectl.Run("create", "role", "node-reader", "-n", "rbac-e2e", "--verb", "get", "--resource", "nodes", "--as", "jane");
        Assert.NotEqual(0, escalation.ExitCode);
        Assert.Contains("roles.rbac.authorization.k8s.io \"node-reader\" is forbidden: user \"jane\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}", escalation.Stderr);
        var binding = await kubectl.Run("create", "rolebinding", "bob-root", "-n", "rbac-e2e", "--clusterrole", "cluster-admin", "--user", "bob", "--as", "jane");
        Assert.Contains("is attempting to grant RBAC permissions not currently held", binding.Stderr);
    }

    [Fact]
    public async Task The_api_servers_own_objects_are_listed_as_1_33_prints_them()
    {
        var statuses = await cluster.Kubectl.Run("get", "componentstatuses");
        Assert.Contains("Warning: v1 ComponentStatus is deprecated in v1.19+", statuses.Succeeded().Stderr);
        Assert.Equal([["scheduler", "Healthy", "ok", ""], ["controller-manager", "Healthy", "ok", ""], ["etcd-0", "Healthy", "ok", ""]],
            Rows(statuses.Stdout).Select(r => r.ToList()));

        var schemas = Rows(await Ok(cluster.Kubectl, "get", "flowschemas"));
        Assert.Equal(["exempt", "probes", "system-leader-election", "endpoint-controller", "workload-leader-election", "system-node-high", "system-nodes",
            "kube-controller-manager", "kube-scheduler", "kube-system-service-accounts", "service-accounts", "global-default", "catch-all"], schemas.Select(r => r[0]));
        Assert.All(schemas, r => Assert.Equal("False", r[5]));
        var levels = Rows(await Ok(cluster.Kubectl, "get", "prioritylevelconfigurations"));
        Assert.Equal(["catch-all", "Limited", "5", "<none>", "<none>", "<none>"], levels.Single(r => r[0] == "catch-all")[..6]);
        Assert.Equal(["exempt", "Exempt", "<none>"], levels.Single(r => r[0] == "exempt")[..3]);

        var apiServices = Rows(await Ok(cluster.Kubectl, "get", "apiservices"));
        Assert.Contains(["v1.", "Local", "True"], apiServices.Select(r => r[..3]));
        Assert.Contains(["v1.apps", "Local", "True"], apiServices.Select(r => r[..3]));
        Assert.Contains(["v2.autoscaling", "Local", "True"], apiServices.Select(r => r[..3]));
        Assert.Equal(["kubernetes", "10.96.0.0/12"], Rows(await Ok(cluster.Kubectl, "get", "servicecidrs")).Single()[..2]);
    }

    [Fact]
    public async Task Create_generators_of_rbac_ingress_and_priority_kinds_work()
    {
        await Ok(cluster.Kubectl, "create", "namespace", "generators");
        Assert.Contains("serviceaccount/builder created", await Ok(cluster.Kubectl, "-n", "generators", "create", "serviceaccount", "builder"));
        Assert.Contains("role.rbac.authorization.k8s.io/deployer created",
            await Ok(cluster.Kubectl, "-n", "generators", "create", "role", "deployer", "--verb=get,list,create,update", "--resource=deployments.apps,pods"));
        Assert.Contains("rolebinding.rbac.authorization.k8s.io/deployers created",
            await Ok(cluster.Kubectl, "-n", "generators", "create", "rolebinding", "deployers", "--role=deployer", "--serviceaccount=generators:builder"));
        Assert.Contains("clusterrole.rbac.authorization.k8s.io/node-reader created",
            await Ok(cluster.Kubectl, "create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes", "--non-resource-url=/metrics"));
        Assert.Contains("clusterrolebinding.rbac.authorization.k8s.io/node-readers created",
            await Ok(cluster.Kubectl, "create", "clusterrolebinding", "node-readers", "--clusterrole=node-reader", "--group=ops"));
        // The cluster's default class (the emulator's ingress controller's): an Ingress without a class gets it.
        Assert.Matches(@"emulator\s+emulator\.k8s\.io/ingress-controller\s+<none>", await Ok(cluster.Kubectl, "get", "ingressclass", "emulator"));
        Assert.Contains("ingress.networking.k8s.io/docs created",
            await Ok(cluster.Kubectl, "-n", "generators", "create", "ingress", "docs", "--rule=docs.example.com/=docs:80,tls=docs-tls"));
        Assert.Contains("priorityclass.scheduling.k8s.io/nightly created",
            await Ok(cluster.Kubectl, "create", "priorityclass", "nightly", "--value=100", "--preemption-policy=Never"));

        Assert.Matches(@"node-reader\s+\d{4}-", await Ok(cluster.Kubectl, "get", "clusterrole", "node-reader"));
        Assert.Matches(@"node-readers\s+ClusterRole/node-reader\s+\S+\s+ops", await Ok(cluster.Kubectl, "get", "clusterrolebinding", "node-readers", "-o", "wide"));
        Assert.Matches(@"docs\s+emulator\s+docs\.example\.com\s+80, 443", await Ok(cluster.Kubectl, "-n", "generators", "get", "ingress", "docs"));
        Assert.Matches(@"nightly\s+100\s+false\s+\S+\s+Never", await Ok(cluster.Kubectl, "get", "priorityclass", "nightly"));
        // The same generators from kubectl 1.27, which sends JSON rather than protobuf.
        Assert.Contains("clusterrole.rbac.authorization.k8s.io/pod-reader created",
            await Ok(cluster.Kubectl127, "create", "clusterrole", "pod-reader", "--verb=get", "--resource=pods"));
    }
}
