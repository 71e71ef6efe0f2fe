using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

public sealed class RestApiTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private static JsonObject ConfigMap(string name, string? ns = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = ns is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["data"] = new JsonObject { ["a"] = "1" },
    };

    [Fact]
    public async Task Discovery_lists_groups_resources_and_subresources()
    {
        var (status, core) = await api.Send(HttpMethod.Get, "/api");
        Assert.Equal(200, status);
        Assert.Equal("v1", core["versions"]![0]!.GetValue<string>());
        var (_, groups) = await api.Send(HttpMethod.Get, "/apis");
        Assert.Contains(groups["groups"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "apps");
        var (_, apps) = await api.Send(HttpMethod.Get, "/apis/apps/v1");
        var resources = apps["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToArray();
        Assert.Contains("deployments", resources);
        Assert.Contains("deployments/scale", resources);
        Assert.Contains("deployments/status", resources);
        var deployments = apps["resources"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "deployments")!;
        Assert.Equal("deploy", deployments["shortNames"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_get_and_list_carry_resource_versions()
    {
        var (created, body) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("c1"));
        Assert.Equal(201, created);
        Assert.False(string.IsNullOrEmpty(body["metadata"]!["uid"]!.GetValue<string>()));
        var (ok, got) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/c1");
        Assert.Equal(200, ok);
        Assert.Equal(body["metadata"]!["resourceVersion"]!.GetValue<string>(), got["metadata"]!["resourceVersion"]!.GetValue<string>());
        var (_, list) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps");
        Assert.Equal("ConfigMapList", list["kind"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(list["metadata"]!["resourceVersion"]!.GetValue<string>()));
        Assert.Contains(list["items"]!.AsArray(), i => i!["metadata"]!["name"]!.GetValue<string>() == "c1");
    }

    [Fact]
    public async Task Errors_are_kubernetes_status_objects()
    {
        var (notFound, status) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/missing");
        Assert.Equal(404, notFound);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal("configmaps \"missing\" not found", status["message"]!.GetValue<string>());

        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("dup"));
        var (exists, dup) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("dup"));
        Assert.Equal(409, exists);
        Assert.Equal("AlreadyExists", dup["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Malformed_json_is_a_bad_request_with_the_position()
    {
        using var content = new StringContent("{\"kind\": \"ConfigMap\",\n \"metadata\": {", System.Text.Encoding.UTF8, "application/json");
        using var response = await api.Client.PostAsync("/api/v1/namespaces/default/configmaps", content);
        Assert.Equal(400, (int)response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
        Assert.Contains("line 2", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Merge_patch_changes_fields_and_a_no_op_keeps_the_version()
    {
        var (_, created) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("patched"));
        var patch = new JsonObject { ["data"] = new JsonObject { ["a"] = null, ["b"] = "2" } };
        var (ok, patched) = await api.Send(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/patched", patch, "application/merge-patch+json");
        Assert.Equal(200, ok);
        Assert.Null(patched["data"]!["a"]);
        Assert.Equal("2", patched["data"]!["b"]!.GetValue<string>());
        Assert.NotEqual(created["metadata"]!["resourceVersion"]!.GetValue<string>(), patched["metadata"]!["resourceVersion"]!.GetValue<string>());
        var (_, again) = await api.Send(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/patched", patch, "application/merge-patch+json");
        Assert.Equal(patched["metadata"]!["resourceVersion"]!.GetValue<string>(), again["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tables_have_kubectl_columns_and_partial_metadata()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("tabled"));
        var (_, table) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "Data", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var row = table["rows"]!.AsArray().First(r => r!["cells"]![0]!.GetValue<string>() == "tabled")!;
        Assert.Equal(1, row["cells"]![1]!.GetValue<int>());
        Assert.Equal("PartialObjectMetadata", row["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_table_page_carries_the_continue_token_and_each_rows_metadata_as_stored()
    {
        const string Accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        await api.Send(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "table-pages" } });
        foreach (var name in new[] { "paged-a", "paged-b", "paged-c" })
        {
            Assert.Equal(201, (await api.Send(HttpMethod.Post, "/api/v1/namespaces/table-pages/configmaps", ConfigMap(name))).Status);
        }
        var (_, list) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/table-pages/configmaps");
        var (_, page) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/table-pages/configmaps?limit=2", accept: Accept);
        Assert.Equal(list["metadata"]!["resourceVersion"]!.GetValue<string>(), page["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(1, page["metadata"]!["remainingItemCount"]!.GetValue<long>());
        Assert.Equal(["paged-a", "paged-b"], page["rows"]!.AsArray().Select(r => r!["cells"]![0]!.GetValue<string>()));
        var stored = list["items"]!.AsArray().First(i => i!["metadata"]!["name"]!.GetValue<string>() == "paged-a")!["metadata"]!;
        Assert.True(JsonNode.DeepEquals(stored, page["rows"]![0]!["object"]!["metadata"]));
        var token = Uri.EscapeDataString(page["metadata"]!["continue"]!.GetValue<string>());
        var (_, rest) = await api.Send(HttpMethod.Get, $"/api/v1/namespaces/table-pages/configmaps?limit=2&continue={token}", accept: Accept);
        Assert.Equal(["paged-c"], rest["rows"]!.AsArray().Select(r => r!["cells"]![0]!.GetValue<string>()));
        Assert.Null(rest["metadata"]!["continue"]);
        var (_, one) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/table-pages/configmaps/paged-b", accept: Accept);
        Assert.Equal(["paged-b"], one["rows"]!.AsArray().Select(r => r!["cells"]![0]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_watch_streams_changes_after_the_list_version()
    {
        var (_, list) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps");
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var stream = await api.Client.GetStreamAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}");
        using var reader = new StreamReader(stream);
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("watched"));
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var change = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", change["type"]!.GetValue<string>());
        Assert.Equal("watched", change["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_watch_from_the_start_sends_each_object_on_its_own_line_as_stored(bool asTable)
    {
        var ns = asTable ? "watch-start-table" : "watch-start";
        await api.Send(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        var names = Enumerable.Range(0, 300).Select(i => $"start-{i:D3}").ToList();
        foreach (var name in names)
        {
            Assert.Equal(201, (await api.Send(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", ConfigMap(name))).Status);
        }
        var (_, list) = await api.Send(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=30");
        if (asTable)
        {
            request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        }
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The initial ADDED events go out together, many to a write: each is still one line, in the list's order.
        for (var i = 0; i < names.Count; i++)
        {
            var change = JsonNode.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)))!)!;
            Assert.Equal("ADDED", change["type"]!.GetValue<string>());
            var obj = change["object"]!;
            if (asTable)
            {
                Assert.Equal("Table", obj["kind"]!.GetValue<string>());
                Assert.Equal(names[i], obj["rows"]![0]!["cells"]![0]!.GetValue<string>());
            }
            else
            {
                Assert.True(JsonNode.DeepEquals(list["items"]![i], obj));
            }
        }
    }

    [Fact]
    public async Task Scale_subresource_answers_an_autoscaling_scale()
    {
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["replicas"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } } },
        };
        await api.Send(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", deployment);
        var (ok, scale) = await api.Send(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/web/scale",
            new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 4 } }, "application/merge-patch+json");
        Assert.Equal(200, ok);
        Assert.Equal("Scale", scale["kind"]!.GetValue<string>());
        Assert.Equal(4, scale["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("app=web", scale["status"]!["selector"]!.GetValue<string>());
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        var labelled = ConfigMap("sel-a");
        labelled["metadata"]!["labels"] = new JsonObject { ["tier"] = "web" };
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", labelled);
        await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", ConfigMap("sel-b"));
        var (_, byLabel) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?labelSelector=tier%20in%20(web,db)");
        Assert.Equal(["sel-a"], byLabel["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
        var (_, byField) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsel-b");
        Assert.Equal(["sel-b"], byField["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_tokens()
    {
        await api.Send(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "paged" } });
        for (var i = 0; i < 7; i++)
        {
            await api.Send(HttpMethod.Post, "/api/v1/namespaces/paged/configmaps", ConfigMap($"p{i}"));
        }
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (_, page) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/paged/configmaps?limit=3" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)));
            names.AddRange(page["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"p{i}"), names);
        var (bad, status) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/paged/configmaps?limit=3&continue=%%%");
        Assert.Equal(400, bad);
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
    }
}
