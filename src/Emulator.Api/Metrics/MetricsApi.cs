using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Printing;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Metrics;

/// <summary>
/// The resource metrics API, <c>metrics.k8s.io/v1beta1</c>, as metrics-server serves it behind the API server:
/// NodeMetrics (<c>nodes</c>) and PodMetrics (<c>pods</c>), get and list only, label and field selectors, every
/// namespace. As metrics-server does, it lists the Nodes and Pods the API holds (so selectors select on their labels and
/// fields) and answers for those the last scrape has metrics for (<see cref="MetricsServer"/>); objects without metrics
/// are left out of lists and are NotFound when asked by name. <c>kubectl top node|pod</c> read it.
/// </summary>
public sealed class MetricsApi(IActorRef store, IActorRef metricsServer, ApiServerOptions options)
{
    /// <summary>The API group.</summary>
    public const string Group = "metrics.k8s.io";

    /// <summary>The one version served.</summary>
    public const string Version = "v1beta1";

    private const string GroupVersion = Group + "/" + Version;

    /// <summary>
    /// Lists the group in <c>GET /apis</c> (kubectl's <c>top</c> checks that it is there: <c>Metrics API not
    /// available</c> otherwise), after the built-in groups as the API server lists aggregated ones.
    /// </summary>
    public static void AddGroup(JsonObject groupList)
    {
        if (groupList["groups"] is JsonArray groups)
        {
            var version = new JsonObject { ["groupVersion"] = GroupVersion, ["version"] = Version };
            groups.Add(new JsonObject
            {
                ["name"] = Group,
                ["versions"] = new JsonArray(version),
                ["preferredVersion"] = version.DeepClone(),
            });
        }
    }

    /// <summary><c>GET /apis/metrics.k8s.io/v1beta1</c>: the two resources, get and list only, no singular names (as metrics-server registers them).</summary>
    public static JsonObject ResourceList() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = GroupVersion,
        ["resources"] = new JsonArray(
            new JsonObject { ["name"] = "nodes", ["singularName"] = "", ["namespaced"] = false, ["kind"] = "NodeMetrics", ["verbs"] = new JsonArray("get", "list") },
            new JsonObject { ["name"] = "pods", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "PodMetrics", ["verbs"] = new JsonArray("get", "list") }),
    };

    /// <summary>Serves a request below <c>/apis/metrics.k8s.io/v1beta1/</c> (<paramref name="path"/> is the rest).</summary>
    public async Task Handle(HttpContext context, IReadOnlyList<string> path)
    {
        try
        {
            var read = HttpMethods.IsGet(context.Request.Method);
            var watch = context.Request.Query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
            switch (path)
            {
                case []:
                    await ApiResponses.WriteJson(context, ResourceList()).ConfigureAwait(false);
                    return;
                case ["nodes"] or ["nodes", _] or ["pods"] or ["namespaces", _, "pods"] or ["namespaces", _, "pods", _] when !read || watch:
                    // Neither resource implements watch or any write.
                    throw new ApiStatusException(new ApiStatus(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
                case ["nodes"]:
                    await ListNodes(context).ConfigureAwait(false);
                    return;
                case ["nodes", var node]:
                    await GetNode(context, node).ConfigureAwait(false);
                    return;
                case ["pods"]:
                    await ListPods(context, null).ConfigureAwait(false);
                    return;
                case ["namespaces", var ns, "pods"]:
                    await ListPods(context, ns).ConfigureAwait(false);
                    return;
                case ["namespaces", var ns, "pods", var pod]:
                    await GetPod(context, ns, pod).ConfigureAwait(false);
                    return;
                default:
                    throw new ApiStatusException(new ApiStatus(404, "NotFound", "the server could not find the requested resource"));
            }
        }
        catch (ApiStatusException e)
        {
            if (!context.Response.HasStarted)
            {
                await ApiResponses.WriteStatus(context, e.Status).ConfigureAwait(false);
            }
        }
        catch (AskTimeoutException)
        {
            if (!context.Response.HasStarted)
            {
                await ApiResponses.WriteStatus(context, new ApiStatus(504, "Timeout", "the metrics server did not answer in time")).ConfigureAwait(false);
            }
        }
    }

    private Task<ResourceMetrics> Metrics() => metricsServer.Ask<ResourceMetrics>(new ReadResourceMetrics(), options.StoreTimeout);

    private async Task<ListReply> List(ResourceType type, string? ns, HttpContext context)
    {
        var filter = ListFilter.Parse(context.Request.Query["labelSelector"].FirstOrDefault(), context.Request.Query["fieldSelector"].FirstOrDefault());
        return await store.Ask<ListReply>(new ListObjects(type, ns, filter), options.StoreTimeout).ConfigureAwait(false);
    }

    private async Task<StoredObject?> Get(ResourceType type, string? ns, string name)
    {
        var reply = await store.Ask<StoreReply>(new GetObject(type, ns, name), options.StoreTimeout).ConfigureAwait(false);
        return reply.Object;
    }

    private async Task ListNodes(HttpContext context)
    {
        var nodes = await List(ResourceTypes.Nodes, null, context).ConfigureAwait(false);
        var metrics = await Metrics().ConfigureAwait(false);
        var items = nodes.Items.Select(n => metrics.Nodes.TryGetValue(n.Name, out var point) ? NodeMetrics(n, point, metrics.ScrapedAt) : null)
            .OfType<JsonObject>().ToList();
        await Write(context, "NodeMetrics", items).ConfigureAwait(false);
    }

    private async Task GetNode(HttpContext context, string name)
    {
        // metrics-server reads the node from its lister first: the lister's NotFound names the resource in the singular.
        var node = await Get(ResourceTypes.Nodes, null, name).ConfigureAwait(false)
            ?? throw new ApiStatusException(ApiStatus.NotFound("node", "", name));
        var metrics = await Metrics().ConfigureAwait(false);
        if (!metrics.Nodes.TryGetValue(name, out var point))
        {
            throw new ApiStatusException(ApiStatus.NotFound("nodemetrics", Group, name));
        }
        await WriteOne(context, "NodeMetrics", NodeMetrics(node, point, metrics.ScrapedAt)).ConfigureAwait(false);
    }

    private async Task ListPods(HttpContext context, string? ns)
    {
        var pods = await List(ResourceTypes.Pods, ns, context).ConfigureAwait(false);
        var metrics = await Metrics().ConfigureAwait(false);
        var items = pods.Items.Select(p => metrics.Pods.TryGetValue((p.Namespace ?? "", p.Name), out var point) ? PodMetrics(p, point, metrics.ScrapedAt) : null)
            .OfType<JsonObject>().ToList();
        await Write(context, "PodMetrics", items).ConfigureAwait(false);
    }

    private async Task GetPod(HttpContext context, string ns, string name)
    {
        var pod = await Get(ResourceTypes.Pods, ns, name).ConfigureAwait(false)
            ?? throw new ApiStatusException(ApiStatus.NotFound("pods", "", name));
        var metrics = await Metrics().ConfigureAwait(false);
        if (!metrics.Pods.TryGetValue((ns, name), out var point))
        {
            throw new ApiStatusException(ApiStatus.NotFound("podmetrics", Group, $"{ns}/{name}"));
        }
        await WriteOne(context, "PodMetrics", PodMetrics(pod, point, metrics.ScrapedAt)).ConfigureAwait(false);
    }

    /// <summary>One NodeMetrics: the node's name and labels, created "now" (metrics are computed, not stored), its usage.</summary>
    private static JsonObject NodeMetrics(StoredObject node, NodeMetricsPoint point, DateTimeOffset now) => new()
    {
        ["metadata"] = Metadata(node, now, namespaced: false),
        ["timestamp"] = Rfc3339Time.Format(point.Timestamp),
        ["window"] = GoDuration(point.Window),
        ["usage"] = Usage(point.CpuNanoCores, point.MemoryBytes),
    };

    /// <summary>One PodMetrics: the pod's name, namespace and labels, and each running container's usage.</summary>
    private static JsonObject PodMetrics(StoredObject pod, PodMetricsPoint point, DateTimeOffset now) => new()
    {
        ["metadata"] = Metadata(pod, now, namespaced: true),
        ["timestamp"] = Rfc3339Time.Format(point.Timestamp),
        ["window"] = GoDuration(point.Window),
        ["containers"] = new JsonArray(point.Containers.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["usage"] = Usage(c.CpuNanoCores, c.MemoryBytes),
        }).ToArray()),
    };

    private static JsonObject Metadata(StoredObject obj, DateTimeOffset now, bool namespaced)
    {
        var metadata = new JsonObject { ["name"] = obj.Name };
        if (namespaced)
        {
            metadata["namespace"] = obj.Namespace;
        }
        metadata["creationTimestamp"] = Rfc3339Time.Format(now);
        if (obj.Labels.Count > 0)
        {
            metadata["labels"] = new JsonObject(obj.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }
        return metadata;
    }

    /// <summary>metrics-server's quantities: CPU as a nano-scaled decimal quantity, memory as a binary one, both canonical.</summary>
    private static JsonObject Usage(long cpuNanoCores, long memoryBytes) => new()
    {
        ["cpu"] = CpuQuantity(cpuNanoCores),
        ["memory"] = MemoryQuantity(memoryBytes),
    };

    /// <summary>CPU nanocores as Kubernetes prints them (<c>250m</c>, <c>1500m</c>, <c>12345n</c>).</summary>
    public static string CpuQuantity(long nanoCores) => Quantity.Parse(nanoCores.ToString(CultureInfo.InvariantCulture) + "n").ToString();

    /// <summary>Memory bytes as a binary quantity (<c>200Mi</c>; bytes when not a whole number of Ki).</summary>
    public static string MemoryQuantity(long bytes) => Quantity.FromValue(bytes, QuantityFormat.BinarySI).ToString();

    /// <summary>Go's <c>time.Duration</c> text (<c>15s</c>, <c>12.5s</c>, <c>1m0s</c>), which metav1.Duration marshals to.</summary>
    public static string GoDuration(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        var text = "";
        var hours = (long)duration.TotalHours;
        if (hours > 0)
        {
            text += $"{hours}h";
        }
        if (hours > 0 || duration.Minutes > 0)
        {
            text += $"{duration.Minutes}m";
        }
        var seconds = duration.TotalSeconds - (hours * 3600) - (duration.Minutes * 60);
        return text + seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }

    private static Task Write(HttpContext context, string kind, List<JsonObject> items)
    {
        if (Table.Wants(context))
        {
            return ApiResponses.WriteJson(context, MetricsTable(kind, items));
        }
        return ApiResponses.WriteJson(context, new JsonObject
        {
            ["kind"] = kind + "List",
            ["apiVersion"] = GroupVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
        });
    }

    private static Task WriteOne(HttpContext context, string kind, JsonObject item)
    {
        if (Table.Wants(context))
        {
            return ApiResponses.WriteJson(context, MetricsTable(kind, [item]));
        }
        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = GroupVersion };
        foreach (var (key, value) in item.ToList())
        {
            item.Remove(key);
            result[key] = value;
        }
        return ApiResponses.WriteJson(context, result);
    }

    /// <summary>
    /// metrics-server's Table: Name, one column per resource (sorted: cpu, memory; a pod's containers summed), Window.
    /// </summary>
    private static JsonObject MetricsTable(string kind, List<JsonObject> items)
    {
        var definitions = new JsonArray(
            new JsonObject { ["name"] = "Name", ["type"] = "string", ["format"] = "name", ["description"] = "Name of the resource", ["priority"] = 0 },
            new JsonObject { ["name"] = "cpu", ["type"] = "string", ["format"] = "quantity", ["description"] = "", ["priority"] = 0 },
            new JsonObject { ["name"] = "memory", ["type"] = "string", ["format"] = "quantity", ["description"] = "", ["priority"] = 0 },
            new JsonObject { ["name"] = "Window", ["type"] = "string", ["format"] = "duration", ["description"] = "", ["priority"] = 0 });
        var rows = new JsonArray();
        foreach (var item in items)
        {
            Quantity cpu, memory;
            if (kind == "PodMetrics")
            {
                var containers = (item["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                cpu = containers.Aggregate(Quantity.Zero, (sum, c) => sum + Quantity.Parse(JsonTree.AsString(c["usage"]?["cpu"]) ?? "0"));
                memory = containers.Aggregate(Quantity.FromValue(0, QuantityFormat.BinarySI), (sum, c) => sum + Quantity.Parse(JsonTree.AsString(c["usage"]?["memory"]) ?? "0"));
            }
            else
            {
                cpu = Quantity.Parse(JsonTree.AsString(item["usage"]?["cpu"]) ?? "0");
                memory = Quantity.Parse(JsonTree.AsString(item["usage"]?["memory"]) ?? "0");
            }
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(JsonTree.AsString(item["metadata"]?["name"]), cpu.ToString(), memory.ToString(), JsonTree.AsString(item["window"])),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                },
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject(),
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }
}
