using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// The resources added for 1.33's list: each stored kind created, read, listed, watched and printed; the reviews,
/// bindings and component statuses answered without the store; verbs a resource does not serve refused.
/// </summary>
public sealed class ApiServerKindTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

    public static TheoryData<string, string, string, string[], string[]> StoredKinds => new()
    {
        {
            "/apis/apiregistration.k8s.io/v1/apiservices",
            """{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.example.com"},"spec":{"group":"example.com","version":"v1","groupPriorityMinimum":1000,"versionPriority":15},"status":{"conditions":[{"type":"Available","status":"False","reason":"ServiceNotFound"}]}}""",
            "v1.example.com", ["Name", "Service", "Available", "Age"], ["v1.example.com", "Local", "False (ServiceNotFound)"]
        },
        {
            "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
            """{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"team"},"spec":{"priorityLevelConfiguration":{"name":"workload-low"},"matchingPrecedence":4000,"distinguisherMethod":{"type":"ByNamespace"},"rules":[]}}""",
            "team", ["Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age", "MissingPL"], ["team", "workload-low", "4000", "ByNamespace"]
        },
        {
            "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations",
            """{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"team"},"spec":{"type":"Limited","limited":{"nominalConcurrencyShares":7,"limitResponse":{"type":"Queue","queuing":{"queues":16,"handSize":4,"queueLengthLimit":20}}}}}""",
            "team", ["Name", "Type", "NominalConcurrencyShares", "Queues", "HandSize", "QueueLengthLimit", "Age"], ["team", "Limited", "7", "16", "4", "20"]
        },
        {
            "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
            """{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy","metadata":{"name":"replicas"},"spec":{"paramKind":{"apiVersion":"v1","kind":"ConfigMap"},"validations":[{"expression":"true"},{"expression":"1 < 2"}]}}""",
            "replicas", ["Name", "Validations", "ParamKind", "Age"], ["replicas", "2", "v1/ConfigMap"]
        },
        {
            "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
            """{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding","metadata":{"name":"replicas"},"spec":{"policyName":"replicas","paramRef":{"name":"limits","parameterNotFoundAction":"Deny"},"validationActions":["Deny"]}}""",
            "replicas", ["Name", "PolicyName", "ParamRef", "Age"], ["replicas", "replicas", "*/limits"]
        },
        {
            "/apis/storage.k8s.io/v1/namespaces/default/csistoragecapacities",
            """{"apiVersion":"storage.k8s.io/v1","kind":"CSIStorageCapacity","metadata":{"name":"zone-a"},"storageClassName":"standard","capacity":"100Gi"}""",
            "zone-a", ["Name", "StorageClassName", "Capacity"], ["zone-a", "standard", "100Gi"]
        },
        {
            "/apis/networking.k8s.io/v1/ipaddresses",
            """{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"10.96.0.10"},"spec":{"parentRef":{"group":"","resource":"services","namespace":"kube-system","name":"kube-dns"}}}""",
            "10.96.0.10", ["Name", "ParentRef"], ["10.96.0.10", "services/kube-system/kube-dns"]
        },
        {
            "/apis/networking.k8s.io/v1/servicecidrs",
            """{"apiVersion":"networking.k8s.io/v1","kind":"ServiceCIDR","metadata":{"name":"extra"},"spec":{"cidrs":["10.100.0.0/16","fd00::/108"]}}""",
            "extra", ["Name", "CIDRs", "Age"], ["extra", "10.100.0.0/16,fd00::/108"]
        },
    };

    [Theory]
    [MemberData(nameof(StoredKinds))]
    public async Task Each_stored_kind_is_created_read_listed_watched_and_printed(string collection, string json, string name, string[] columns, string[] cells)
    {
        var (_, before) = await api.Send(HttpMethod.Get, collection);
        var rv = before["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var stream = await api.Client.GetStreamAsync($"{collection}?watch=true&resourceVersion={rv}");
        using var reader = new StreamReader(stream);

        var (status, created) = await api.Send(HttpMethod.Post, collection, JsonNode.Parse(json));
        Assert.True(status == 201, created.ToJsonString());
        var (got, obj) = await api.Send(HttpMethod.Get, $"{collection}/{name}");
        Assert.Equal(200, got);
        Assert.Equal(created["metadata"]!["uid"]!.GetValue<string>(), obj["metadata"]!["uid"]!.GetValue<string>());
        var (_, list) = await api.Send(HttpMethod.Get, collection);
        Assert.Contains(list["items"]!.AsArray(), i => i!["metadata"]!["name"]!.GetValue<string>() == name);
        Assert.Equal(obj["kind"]!.GetValue<string>() + "List", list["kind"]!.GetValue<string>());

        var change = JsonNode.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)))!)!;
        Assert.Equal(("ADDED", name), (change["type"]!.GetValue<string>(), change["object"]!["metadata"]!["name"]!.GetValue<string>()));

        var (_, table) = await api.Send(HttpMethod.Get, $"{collection}/{name}", accept: TableAccept);
        Assert.Equal(columns, table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var printed = table["rows"]![0]!["cells"]!.AsArray().Select(c => c?.ToString() ?? "").ToArray();
        Assert.Equal(cells, printed[..cells.Length]);
    }

    [Fact]
    public async Task Discovery_lists_each_resource_with_its_own_verbs_sorted_by_name()
    {
        var (_, core) = await api.Send(HttpMethod.Get, "/api/v1");
        var resources = core["resources"]!.AsArray().Select(r => r!.AsObject()).Where(r => !r["name"]!.GetValue<string>().Contains('/', StringComparison.Ordinal)).ToList();
        var names = resources.Select(r => r["name"]!.GetValue<string>()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        string Verbs(string resource) => string.Join(",", resources.Single(r => r["name"]!.GetValue<string>() == resource)["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("create", Verbs("bindings"));
        Assert.Equal("get,list", Verbs("componentstatuses"));
        Assert.Equal("create,delete,get,list,patch,update,watch", Verbs("namespaces"));
        Assert.Equal("create,delete,deletecollection,get,list,patch,update,watch", Verbs("pods"));
        var (_, authorization) = await api.Send(HttpMethod.Get, "/apis/authorization.k8s.io/v1");
        Assert.Equal(["localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"],
            authorization["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_verb_the_resource_does_not_serve_is_method_not_allowed()
    {
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Delete, "/api/v1/namespaces"),
            (HttpMethod.Get, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
            (HttpMethod.Get, "/api/v1/componentstatuses?watch=true"),
            (HttpMethod.Post, "/api/v1/componentstatuses"),
            (HttpMethod.Get, "/api/v1/namespaces/default/bindings"),
        })
        {
            var (status, body) = await api.Send(method, path, method == HttpMethod.Post ? new JsonObject() : null);
            Assert.Equal(405, status);
            Assert.Equal(("MethodNotAllowed", "the server does not allow this method on the requested resource"), (body["reason"]!.GetValue<string>(), body["message"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Self_subject_review_answers_the_administrator_or_whom_the_request_impersonates()
    {
        var review = new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" };
        var (status, answer) = await api.Send(HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews", review);
        Assert.Equal(201, status);
        Assert.Equal("""{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]}""", answer["status"]!["userInfo"]!.ToJsonString());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        {
            Content = new StringContent(review.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Impersonate-User", "system:serviceaccount:ci:robot");
        request.Headers.Add("Impersonate-Group", "deployers");
        using var response = await api.Client.SendAsync(request);
        var impersonated = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("""{"username":"system:serviceaccount:ci:robot","groups":["deployers","system:serviceaccounts","system:serviceaccounts:ci","system:authenticated"]}""",
            impersonated["status"]!["userInfo"]!.ToJsonString());
    }

    [Fact]
    public async Task Access_reviews_are_decided_as_requests_are_and_are_validated_and_never_stored()
    {
        var (status, answer) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}}}
            """));
        Assert.Equal(201, status);
        Assert.Equal("""{"allowed":true}""", answer["status"]!.ToJsonString());
        Assert.Equal("create", answer["spec"]!["resourceAttributes"]!["verb"]!.GetValue<string>());

        var (local, localAnswer) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","spec":{"user":"jane","resourceAttributes":{"namespace":"team","verb":"get","resource":"secrets"}}}
            """));
        // jane holds no binding in team: RBAC has no opinion, so the review says no (and gives no reason).
        Assert.Equal((201, """{"allowed":false}"""), (local, localAnswer["status"]!.ToJsonString()));

        var (invalid, refusal) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}
            """));
        Assert.Equal(422, invalid);
        Assert.Equal("SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified", refusal["message"]!.GetValue<string>());

        var (rules, rulesAnswer) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"default"}}
            """));
        Assert.Equal(201, rules);
        Assert.Equal("""{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}""", rulesAnswer["status"]!["resourceRules"]![0]!.ToJsonString());
        Assert.False(rulesAnswer["status"]!["incomplete"]!.GetValue<bool>());

        var (tokenStatus, tokenRefusal) = await api.Send(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}"""));
        Assert.Equal((400, "token is required for TokenReview in authentication"), (tokenStatus, tokenRefusal["message"]!.GetValue<string>()));
        var (_, tokenAnswer) = await api.Send(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"abc"}}"""));
        Assert.Null(tokenAnswer["status"]!["authenticated"]);
    }

    [Fact]
    public async Task Component_statuses_report_the_control_plane_healthy()
    {
        var (status, list) = await api.Send(HttpMethod.Get, "/api/v1/componentstatuses");
        Assert.Equal(200, status);
        Assert.Equal("ComponentStatusList", list["kind"]!.GetValue<string>());
        Assert.Equal(["scheduler", "controller-manager", "etcd-0"], list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("""[{"type":"Healthy","status":"True","message":"ok"}]""", list["items"]![2]!["conditions"]!.ToJsonString());

        var (_, table) = await api.Send(HttpMethod.Get, "/api/v1/componentstatuses", accept: TableAccept);
        Assert.Equal(["Name", "Status", "Message", "Error"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal(["scheduler", "Healthy", "ok", ""], table["rows"]![0]!["cells"]!.AsArray().Select(c => c!.GetValue<string>()));

        var (one, single) = await api.Send(HttpMethod.Get, "/api/v1/componentstatuses/etcd-0");
        Assert.Equal((200, "ComponentStatus"), (one, single["kind"]!.GetValue<string>()));
        var (missing, notFound) = await api.Send(HttpMethod.Get, "/api/v1/componentstatuses/kubelet");
        Assert.Equal((404, "componentstatus \"kubelet\" not found"), (missing, notFound["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_binding_assigns_the_pod_it_names_to_the_target_node()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"bound"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}
            """));
        var (status, answer) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/bindings", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"apiVersion":"v1","kind":"Node","name":"node-7"}}
            """));
        Assert.Equal((201, "Success"), (status, answer["status"]!.GetValue<string>()));
        var (_, pod) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/bound");
        Assert.Equal("node-7", pod["spec"]!["nodeName"]!.GetValue<string>());

        var (invalid, refusal) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/bindings", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Pod"}}
            """));
        Assert.Equal(422, invalid);
        Assert.Equal("Binding \"bound\" is invalid: target.name: Required value, target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\"",
            refusal["message"]!.GetValue<string>());
    }
}
