using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

public sealed class PodSubresourceTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private static JsonObject Pod(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }) },
    };

    [Fact]
    public async Task Discovery_lists_eviction_and_binding()
    {
        var (_, core) = await api.Send(HttpMethod.Get, "/api/v1");
        var eviction = core["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "pods/eviction")!;
        Assert.Equal("policy", eviction["group"]!.GetValue<string>());
        Assert.Equal("Eviction", eviction["kind"]!.GetValue<string>());
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "pods/binding");
    }

    [Fact]
    public async Task A_subresource_the_server_does_not_serve_is_not_found_and_changes_nothing()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("no-such-sub"));
        var (_, before) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/no-such-sub");
        var changed = Pod("no-such-sub");
        changed["metadata"]!["labels"] = new JsonObject { ["written"] = "yes" };
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete })
        {
            var (status, body) = await api.Send(method, "/api/v1/namespaces/default/pods/no-such-sub/foo", method == HttpMethod.Get || method == HttpMethod.Delete ? null : changed);
            Assert.Equal(404, status);
            Assert.Equal("the server could not find the requested resource", body["message"]!.GetValue<string>());
        }
        var (scale, _) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/x/scale");
        Assert.Equal(404, scale);
        var (_, after) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/no-such-sub");
        Assert.Equal(before["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Binding_assigns_a_node_once()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("bind-me"));
        var binding = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Binding", ["metadata"] = new JsonObject { ["name"] = "bind-me" }, ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = "node-1" } };
        var (created, status) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/bind-me/binding", binding);
        Assert.Equal(201, created);
        Assert.Equal("Success", status["status"]!.GetValue<string>());
        var (_, pod) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/bind-me");
        Assert.Equal("node-1", pod["spec"]!["nodeName"]!.GetValue<string>());
        var (conflict, error) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/bind-me/binding", binding);
        Assert.Equal(409, conflict);
        Assert.Equal("Conflict", error["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Eviction_deletes_the_pod()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("evict-me"));
        var eviction = new JsonObject { ["apiVersion"] = "policy/v1", ["kind"] = "Eviction", ["metadata"] = new JsonObject { ["name"] = "evict-me", ["namespace"] = "default" } };
        var (created, _) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/evict-me/eviction", eviction);
        Assert.Equal(201, created);
        var (gone, _) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/evict-me");
        Assert.Equal(404, gone);
        var (mismatch, _) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/nobody/eviction", eviction);
        Assert.Equal(400, mismatch);
        eviction["metadata"]!["name"] = "nobody";
        var (missing, status) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/nobody/eviction", eviction);
        Assert.Equal(404, missing);
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Eviction_marks_the_pod_as_a_disruption_target_before_deleting_it()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("evict-bound"));
        var binding = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Binding", ["metadata"] = new JsonObject { ["name"] = "evict-bound" }, ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = "node-1" } };
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/evict-bound/binding", binding);
        var eviction = new JsonObject { ["apiVersion"] = "policy/v1", ["kind"] = "Eviction", ["metadata"] = new JsonObject { ["name"] = "evict-bound", ["namespace"] = "default" } };

        var (dryRun, _) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/evict-bound/eviction?dryRun=All", eviction);
        Assert.Equal(201, dryRun);
        var (_, untouched) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/evict-bound");
        Assert.Null(untouched["metadata"]!["deletionTimestamp"]);
        Assert.DoesNotContain(untouched["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "DisruptionTarget");

        var (created, _) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods/evict-bound/eviction", eviction);
        Assert.Equal(201, created);
        // A bound pod waits for its kubelet through the grace period: it is still there, terminating and marked.
        var (found, pod) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/evict-bound");
        Assert.Equal(200, found);
        Assert.NotNull(pod["metadata"]!["deletionTimestamp"]);
        var condition = pod["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "DisruptionTarget")!;
        Assert.Equal("True", condition["status"]!.GetValue<string>());
        Assert.Equal("EvictionByEvictionAPI", condition["reason"]!.GetValue<string>());
        Assert.Equal("Eviction API: evicting", condition["message"]!.GetValue<string>());
        Assert.NotNull(condition["lastTransitionTime"]);
    }

    [Fact]
    public async Task Logs_of_an_unscheduled_pod_are_empty_and_the_node_endpoint_needs_nodes()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/pods", Pod("quiet"));
        using var response = await api.Client.GetAsync("/api/v1/namespaces/default/pods/quiet/log");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        var (notFound, _) = await api.Send(HttpMethod.Post, "/emulator/v1/nodes/node-1/stop");
        Assert.Equal(404, notFound);
    }
}
