using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Defaults of the other core/v1 and discovery kinds (<c>pkg/apis/core/v1/defaults.go</c>).</summary>
public static class CoreDefaults
{
    /// <summary>
    /// Service: type ClusterIP, sessionAffinity None (ClientIP: timeoutSeconds 10800), port protocol TCP,
    /// targetPort = port, externalTrafficPolicy Cluster when externally reachable, internalTrafficPolicy Cluster,
    /// allocateLoadBalancerNodePorts true for LoadBalancer.
    /// </summary>
    public static void ApplyService(KubeObject service)
    {
        var spec = service.EnsureSpec();
        JsonTree.SetDefaultString(spec, "sessionAffinity", "None");
        var affinity = JsonTree.GetString(spec, "sessionAffinity");
        if (affinity == "None")
        {
            spec.Remove("sessionAffinityConfig");
        }
        else if (affinity == "ClientIP" && JsonTree.GetInt(spec, "sessionAffinityConfig", "clientIP", "timeoutSeconds") is null)
        {
            spec["sessionAffinityConfig"] = new JsonObject { ["clientIP"] = new JsonObject { ["timeoutSeconds"] = 10800 } };
        }
        JsonTree.SetDefaultString(spec, "type", "ClusterIP");
        foreach (var port in JsonTree.Objects(spec["ports"] as JsonArray))
        {
            JsonTree.SetDefaultString(port, "protocol", "TCP");
            var target = port["targetPort"];
            if (target is null || JsonTree.AsInt(target) == 0 || JsonTree.AsString(target) == "")
            {
                if (JsonTree.GetInt(port, "port") is { } number)
                {
                    port["targetPort"] = number;
                }
            }
        }
        var type = JsonTree.GetString(spec, "type");
        var externallyAccessible = type is "LoadBalancer" or "NodePort"
            || (type == "ClusterIP" && spec["externalIPs"] is JsonArray { Count: > 0 });
        if (externallyAccessible)
        {
            JsonTree.SetDefaultString(spec, "externalTrafficPolicy", "Cluster");
        }
        if (type is "NodePort" or "LoadBalancer" or "ClusterIP")
        {
            JsonTree.SetDefault(spec, "internalTrafficPolicy", "Cluster");
        }
        if (type == "LoadBalancer")
        {
            JsonTree.SetDefault(spec, "allocateLoadBalancerNodePorts", true);
        }
    }

    /// <summary>Namespace: label <c>kubernetes.io/metadata.name</c> = name (always enforced), status phase Active.</summary>
    public static void ApplyNamespace(KubeObject ns)
    {
        if (ns.Name is { Length: > 0 } name)
        {
            ns.SetLabel("kubernetes.io/metadata.name", name);
        }
        JsonTree.SetDefaultString(ns.EnsureStatus(), "phase", "Active");
    }

    /// <summary>
    /// Secret: type Opaque; <c>stringData</c> entries are base64-encoded into <c>data</c> (overriding it) and
    /// <c>stringData</c> is dropped, as the API server converts it on every write.
    /// </summary>
    public static void ApplySecret(KubeObject secret)
    {
        JsonTree.SetDefaultString(secret.Document, "type", "Opaque");
        if (secret.Document["stringData"] is JsonObject stringData)
        {
            var data = JsonTree.Ensure(secret.Document, "data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(JsonTree.AsString(value) ?? ""));
            }
            secret.Document.Remove("stringData");
        }
    }

    /// <summary>Node: allocatable defaults to capacity.</summary>
    public static void ApplyNode(KubeObject node)
    {
        if (node.Status is { } status && status["capacity"] is JsonObject capacity && status["allocatable"] is null)
        {
            status["allocatable"] = capacity.DeepClone();
        }
    }

    /// <summary>Endpoints: port protocol TCP.</summary>
    public static void ApplyEndpoints(KubeObject endpoints)
    {
        foreach (var subset in JsonTree.Objects(endpoints.Document["subsets"] as JsonArray))
        {
            foreach (var port in JsonTree.Objects(subset["ports"] as JsonArray))
            {
                JsonTree.SetDefaultString(port, "protocol", "TCP");
            }
        }
    }

    /// <summary>EndpointSlice: port name <c>""</c> and protocol TCP.</summary>
    public static void ApplyEndpointSlice(KubeObject slice)
    {
        foreach (var port in JsonTree.Objects(slice.Document["ports"] as JsonArray))
        {
            JsonTree.SetDefault(port, "name", "");
            JsonTree.SetDefaultString(port, "protocol", "TCP");
        }
    }
}
