using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// <c>pods/eviction</c> against PodDisruptionBudgets whose status the test writes (as the disruption controller would):
/// the API server's refusals word for word, the budget spent once per eviction, unhealthy and pending pods. Each test
/// works in its own namespace.
/// </summary>
public sealed class EvictionTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string Violation = "Cannot evict pod as it would violate the pod's disruption budget.";

    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    private static string Budgets(string ns) => $"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets";

    private async Task Namespace(string ns)
    {
        var (status, body) = await api.Send(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        Assert.True(status == 201, body.ToJsonString());
    }

    /// <summary>A pod labelled <c>app=web</c> in <paramref name="phase"/>, Ready or not, as its kubelet would report it.</summary>
    private async Task Pod(string ns, string name, string phase = "Running", bool ready = true, string app = "web")
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = app } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }) },
        };
        var (created, body) = await api.Send(HttpMethod.Post, Pods(ns), pod);
        Assert.True(created == 201, body.ToJsonString());
        body["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
        };
        var (updated, answer) = await api.Send(HttpMethod.Put, $"{Pods(ns)}/{name}/status", body);
        Assert.True(updated == 200, answer.ToJsonString());
    }

    /// <summary>A budget over <c>app=web</c> with the status the disruption controller would have written.</summary>
    private async Task Budget(string ns, string name, int allowed, int current, int desired, string? unhealthyPodEvictionPolicy = null, JsonObject? selector = null)
    {
        var spec = new JsonObject { ["minAvailable"] = desired, ["selector"] = selector ?? new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } } };
        if (unhealthyPodEvictionPolicy is not null)
        {
            spec["unhealthyPodEvictionPolicy"] = unhealthyPodEvictionPolicy;
        }
        var budget = new JsonObject { ["apiVersion"] = "policy/v1", ["kind"] = "PodDisruptionBudget", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
        var (created, body) = await api.Send(HttpMethod.Post, Budgets(ns), budget);
        Assert.True(created == 201, body.ToJsonString());
        body["status"] = new JsonObject
        {
            ["observedGeneration"] = 1,
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = current,
            ["desiredHealthy"] = desired,
            ["expectedPods"] = current,
        };
        var (updated, answer) = await api.Send(HttpMethod.Put, $"{Budgets(ns)}/{name}/status", body);
        Assert.True(updated == 200, answer.ToJsonString());
    }

    private Task<(int Status, JsonObject Body)> Evict(string ns, string pod, string query = "") =>
        api.Send(HttpMethod.Post, $"{Pods(ns)}/{pod}/eviction{query}", new JsonObject
        {
            ["apiVersion"] = "policy/v1",
            ["kind"] = "Eviction",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns },
        });

    private async Task<JsonObject> Get(string path)
    {
        var (status, body) = await api.Send(HttpMethod.Get, path);
        Assert.Equal(200, status);
        return body;
    }

    private async Task<bool> Exists(string ns, string pod) => (await api.Send(HttpMethod.Get, $"{Pods(ns)}/{pod}")).Status == 200;

    private static JsonObject TooManyRequests(string cause) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Violation,
        ["reason"] = "TooManyRequests",
        ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "DisruptionBudget", ["message"] = cause }) },
        ["code"] = 429,
    };

    [Fact]
    public async Task An_eviction_naming_another_pod_or_none_is_a_400_and_the_pod_stays()
    {
        await Namespace("evict-names");
        await Pod("evict-names", "web-0");
        foreach (var metadata in new JsonObject?[] { new() { ["name"] = "web-1" }, new(), null })
        {
            var eviction = new JsonObject { ["apiVersion"] = "policy/v1", ["kind"] = "Eviction" };
            if (metadata is not null)
            {
                eviction["metadata"] = metadata;
            }
            var (status, body) = await api.Send(HttpMethod.Post, $"{Pods("evict-names")}/web-0/eviction", eviction);
            Assert.Equal(400, status);
            Assert.Equal("name in URL does not match name in Eviction object", body["message"]!.GetValue<string>());
        }
        await Get($"{Pods("evict-names")}/web-0");
    }

    [Fact]
    public async Task A_budget_that_allows_no_disruption_refuses_with_429()
    {
        await Namespace("pdb-full");
        await Budget("pdb-full", "web", allowed: 0, current: 2, desired: 2);
        await Pod("pdb-full", "web-1");

        var (status, body) = await Evict("pdb-full", "web-1");
        Assert.Equal(429, status);
        Assert.Equal(TooManyRequests("The disruption budget web needs 2 healthy pods and has 2 currently").ToJsonString(), body.ToJsonString());
        var pod = await Get($"{Pods("pdb-full")}/web-1");
        Assert.Null(pod["metadata"]!["deletionTimestamp"]);
        Assert.DoesNotContain(pod["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "DisruptionTarget");
    }

    [Fact]
    public async Task An_eviction_spends_the_budget_and_records_the_pod()
    {
        await Namespace("pdb-spend");
        await Budget("pdb-spend", "web", allowed: 1, current: 3, desired: 2);
        await Pod("pdb-spend", "web-1");
        await Pod("pdb-spend", "web-2");

        var (created, success) = await Evict("pdb-spend", "web-1");
        Assert.Equal(201, created);
        Assert.Equal("Success", success["status"]!.GetValue<string>());
        Assert.False(await Exists("pdb-spend", "web-1"));
        var status = (await Get($"{Budgets("pdb-spend")}/web"))["status"]!;
        Assert.Equal(0, status["disruptionsAllowed"]!.GetValue<int>());
        Assert.Equal(["web-1"], status["disruptedPods"]!.AsObject().Select(p => p.Key));
        var condition = status["conditions"]!.AsArray().Single()!;
        Assert.Equal(("DisruptionAllowed", "False", "InsufficientPods"),
            (condition["type"]!.GetValue<string>(), condition["status"]!.GetValue<string>(), condition["reason"]!.GetValue<string>()));

        // The budget is spent: the next pod stays.
        var (refused, _) = await Evict("pdb-spend", "web-2");
        Assert.Equal(429, refused);
        Assert.True(await Exists("pdb-spend", "web-2"));
    }

    [Fact]
    public async Task Concurrent_evictions_never_spend_more_than_the_budget_allows()
    {
        await Namespace("pdb-race");
        await Budget("pdb-race", "web", allowed: 2, current: 8, desired: 6);
        var names = Enumerable.Range(1, 8).Select(i => $"web-{i}").ToArray();
        foreach (var name in names)
        {
            await Pod("pdb-race", name);
        }
        var answers = await Task.WhenAll(names.Select(name => Evict("pdb-race", name)));
        Assert.Equal(2, answers.Count(a => a.Status == 201));
        Assert.Equal(6, answers.Count(a => a.Status == 429));
        var status = (await Get($"{Budgets("pdb-race")}/web"))["status"]!;
        Assert.Equal(0, status["disruptionsAllowed"]!.GetValue<int>());
        var evicted = names.Where((_, i) => answers[i].Status == 201).Order().ToArray();
        Assert.Equal(evicted, status["disruptedPods"]!.AsObject().Select(p => p.Key).Order().ToArray());
    }

    [Fact]
    public async Task A_budget_not_yet_processed_asks_to_retry_in_10_seconds()
    {
        await Namespace("pdb-stale");
        await Budget("pdb-stale", "web", allowed: 1, current: 3, desired: 2);
        await Pod("pdb-stale", "web-1");
        // A spec change the controller has not seen yet: generation 2, observedGeneration 1.
        var budget = await Get($"{Budgets("pdb-stale")}/web");
        budget["spec"]!["minAvailable"] = 1;
        Assert.Equal(200, (await api.Send(HttpMethod.Put, $"{Budgets("pdb-stale")}/web", budget)).Status);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Pods("pdb-stale")}/web-1/eviction")
        {
            Content = new StringContent("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await api.Client.SendAsync(request);
        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal("10", response.Headers.GetValues("Retry-After").Single());
        var expected = TooManyRequests("The disruption budget web is still being processed by the server.");
        expected["details"]!["retryAfterSeconds"] = 10;
        Assert.Equal(expected.ToJsonString(), JsonNode.Parse(await response.Content.ReadAsStringAsync())!.ToJsonString());
        Assert.True(await Exists("pdb-stale", "web-1"));
    }

    [Fact]
    public async Task A_pod_under_two_budgets_cannot_be_evicted()
    {
        await Namespace("pdb-two");
        await Budget("pdb-two", "web", allowed: 1, current: 2, desired: 1);
        await Budget("pdb-two", "everything", allowed: 1, current: 2, desired: 1, selector: new JsonObject());
        await Pod("pdb-two", "web-1");
        var (status, body) = await Evict("pdb-two", "web-1");
        Assert.Equal(500, status);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.","code":500}""",
            body.ToJsonString());
        Assert.True(await Exists("pdb-two", "web-1"));
    }

    [Fact]
    public async Task An_unready_pod_goes_without_spending_the_budget_while_the_budget_is_met()
    {
        await Namespace("pdb-unready");
        await Budget("pdb-unready", "web", allowed: 0, current: 2, desired: 2);
        await Pod("pdb-unready", "broken", ready: false);
        var (created, _) = await Evict("pdb-unready", "broken");
        Assert.Equal(201, created);
        Assert.False(await Exists("pdb-unready", "broken"));
        Assert.Null((await Get($"{Budgets("pdb-unready")}/web"))["status"]!["disruptedPods"]);

        // Below the budget (IfHealthyBudget, the default), an unready pod is protected like the others.
        await Namespace("pdb-unready-short");
        await Budget("pdb-unready-short", "web", allowed: 0, current: 1, desired: 2);
        await Pod("pdb-unready-short", "broken", ready: false);
        var (refused, body) = await Evict("pdb-unready-short", "broken");
        Assert.Equal(429, refused);
        Assert.Equal("The disruption budget web needs 2 healthy pods and has 1 currently", body["details"]!["causes"]![0]!["message"]!.GetValue<string>());

        // AlwaysAllow lets unready pods go whatever the budget says.
        await Namespace("pdb-unready-always");
        await Budget("pdb-unready-always", "web", allowed: 0, current: 1, desired: 2, unhealthyPodEvictionPolicy: "AlwaysAllow");
        await Pod("pdb-unready-always", "broken", ready: false);
        await Pod("pdb-unready-always", "healthy");
        Assert.Equal(201, (await Evict("pdb-unready-always", "broken")).Status);
        Assert.Equal(429, (await Evict("pdb-unready-always", "healthy")).Status);
    }

    [Fact]
    public async Task Pending_and_finished_pods_need_no_budget()
    {
        await Namespace("pdb-pending");
        await Budget("pdb-pending", "web", allowed: 0, current: 2, desired: 2);
        await Pod("pdb-pending", "starting", phase: "Pending", ready: false);
        await Pod("pdb-pending", "done", phase: "Succeeded", ready: false);
        Assert.Equal(201, (await Evict("pdb-pending", "starting")).Status);
        Assert.Equal(201, (await Evict("pdb-pending", "done")).Status);
        Assert.False(await Exists("pdb-pending", "starting"));
        Assert.False(await Exists("pdb-pending", "done"));
        var status = (await Get($"{Budgets("pdb-pending")}/web"))["status"]!;
        Assert.Equal(0, status["disruptionsAllowed"]!.GetValue<int>());
        Assert.Null(status["disruptedPods"]);
    }

    [Fact]
    public async Task A_dry_run_asks_the_budget_but_spends_nothing()
    {
        await Namespace("pdb-dry");
        await Budget("pdb-dry", "web", allowed: 1, current: 3, desired: 2);
        await Pod("pdb-dry", "web-1");
        await Pod("pdb-dry", "other", app: "db");
        Assert.Equal(201, (await Evict("pdb-dry", "web-1", "?dryRun=All")).Status);
        Assert.True(await Exists("pdb-dry", "web-1"));
        var status = (await Get($"{Budgets("pdb-dry")}/web"))["status"]!;
        Assert.Equal(1, status["disruptionsAllowed"]!.GetValue<int>());
        Assert.Null(status["disruptedPods"]);
        // A pod no budget covers is evicted as before.
        Assert.Equal(201, (await Evict("pdb-dry", "other")).Status);
        Assert.False(await Exists("pdb-dry", "other"));
    }
}
