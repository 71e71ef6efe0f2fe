using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Views;

/// <summary>One container port: name, number, protocol.</summary>
/// <param name="Name">Port name, empty when unnamed.</param>
/// <param name="ContainerPort">Port number in the container.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="HostPort">Host port, 0 when none.</param>
public sealed record ContainerPortInfo(string Name, int ContainerPort, string Protocol, int HostPort);

/// <summary>A typed view over one container object of a pod spec (reads and writes go to the JSON).</summary>
public readonly struct ContainerView
{
    /// <summary>Wraps a container object.</summary>
    public ContainerView(JsonObject container)
    {
        Json = container;
    }

    /// <summary>The underlying JSON.</summary>
    public JsonObject Json { get; }

    /// <summary><c>name</c>.</summary>
    public string Name => JsonTree.GetString(Json, "name") ?? "";

    /// <summary><c>image</c>.</summary>
    public string Image
    {
        get => JsonTree.GetString(Json, "image") ?? "";
        set => Json["image"] = value;
    }

    /// <summary><c>imagePullPolicy</c>.</summary>
    public string? ImagePullPolicy => JsonTree.GetString(Json, "imagePullPolicy");

    /// <summary><c>restartPolicy</c> of an init container (<c>Always</c> makes it a sidecar).</summary>
    public string? RestartPolicy => JsonTree.GetString(Json, "restartPolicy");

    /// <summary><c>command</c>.</summary>
    public IReadOnlyList<string> Command => Strings("command");

    /// <summary><c>args</c>.</summary>
    public IReadOnlyList<string> Args => Strings("args");

    /// <summary><c>ports</c>.</summary>
    public IReadOnlyList<ContainerPortInfo> Ports =>
        JsonTree.Objects(Json["ports"] as JsonArray).Select(p => new ContainerPortInfo(
            JsonTree.GetString(p, "name") ?? "",
            (int)(JsonTree.GetInt(p, "containerPort") ?? 0),
            JsonTree.GetString(p, "protocol") ?? "TCP",
            (int)(JsonTree.GetInt(p, "hostPort") ?? 0))).ToList();

    /// <summary><c>env</c> entries with literal values (name → value; valueFrom entries map to null).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Env =>
        JsonTree.Objects(Json["env"] as JsonArray)
            .Select(e => KeyValuePair.Create(JsonTree.GetString(e, "name") ?? "", e["valueFrom"] is null ? JsonTree.GetString(e, "value") ?? "" : null))
            .ToList();

    /// <summary><c>resources.requests</c> parsed (unparsable entries skipped).</summary>
    public IReadOnlyDictionary<string, Quantity> Requests => ResourceList("requests");

    /// <summary><c>resources.limits</c> parsed (unparsable entries skipped).</summary>
    public IReadOnlyDictionary<string, Quantity> Limits => ResourceList("limits");

    /// <summary>The probe object (<c>livenessProbe</c>, <c>readinessProbe</c>, <c>startupProbe</c>), or null.</summary>
    public JsonObject? Probe(string kind) => Json[kind] as JsonObject;

    private IReadOnlyList<string> Strings(string field) =>
        (Json[field] as JsonArray)?.Select(JsonTree.AsString).OfType<string>().ToList() ?? [];

    private Dictionary<string, Quantity> ResourceList(string field)
    {
        var result = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        foreach (var (name, value) in JsonTree.GetObject(Json, "resources", field) ?? [])
        {
            var text = JsonTree.AsString(value) ?? value?.ToJsonString();
            if (Quantity.TryParse(text, out var q))
            {
                result[name] = q;
            }
        }
        return result;
    }
}
