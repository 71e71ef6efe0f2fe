using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The Service storage's <c>dropTypeDependentFields</c>: an update that changes a Service's type wipes the fields the
/// old type had and the new one may not have — node ports, the health check node port, the cluster IPs and IP
/// families (to ExternalName), <c>allocateLoadBalancerNodePorts</c>, <c>loadBalancerClass</c>,
/// <c>externalTrafficPolicy</c> — but only those the update left as they were (a field the user changed too is
/// validated as sent), so <c>kubectl patch svc web -p '{"spec":{"type":"ClusterIP"}}'</c> works; a Service that is no
/// longer a LoadBalancer loses its load-balancer status.
/// </summary>
public static class ServiceTypeChange
{
    /// <summary>Wipes, in <paramref name="service"/>, what its type change from <paramref name="old"/> leaves without use.</summary>
    public static void DropTypeDependentFields(JsonObject service, JsonObject old)
    {
        if (service["spec"] is not JsonObject spec || old["spec"] is not JsonObject before)
        {
            return;
        }
        var (type, oldType) = (TypeOf(spec), TypeOf(before));
        if (oldType != "ExternalName" && type == "ExternalName")
        {
            if (Same(spec, before, "clusterIP") && Same(spec, before, "clusterIPs"))
            {
                spec.Remove("clusterIP");
                spec.Remove("clusterIPs");
            }
            DropIfSame(spec, before, "ipFamilies");
            DropIfSame(spec, before, "ipFamilyPolicy");
        }
        if (NeedsNodePort(oldType) && !NeedsNodePort(type) && SameNodePorts(spec, before))
        {
            foreach (var port in JsonTree.Objects(spec["ports"] as JsonArray))
            {
                port.Remove("nodePort");
            }
        }
        if (NeedsHealthCheckNodePort(before) && !NeedsHealthCheckNodePort(spec))
        {
            DropIfSame(spec, before, "healthCheckNodePort");
        }
        if (oldType == "LoadBalancer" && type != "LoadBalancer")
        {
            DropIfSame(spec, before, "allocateLoadBalancerNodePorts");
            DropIfSame(spec, before, "loadBalancerClass");
        }
        if (ExternallyAccessible(before) && !ExternallyAccessible(spec))
        {
            DropIfSame(spec, before, "externalTrafficPolicy");
        }
        if (type != "LoadBalancer" && service["status"] is JsonObject status)
        {
            status.Remove("loadBalancer");
        }
    }

    private static string TypeOf(JsonObject spec) => JsonTree.AsString(spec["type"]) ?? "ClusterIP";

    private static bool NeedsNodePort(string type) => type is "NodePort" or "LoadBalancer";

    private static bool NeedsHealthCheckNodePort(JsonObject spec) =>
        TypeOf(spec) == "LoadBalancer" && JsonTree.AsString(spec["externalTrafficPolicy"]) == "Local";

    private static bool ExternallyAccessible(JsonObject spec) =>
        TypeOf(spec) is "LoadBalancer" or "NodePort" || (TypeOf(spec) == "ClusterIP" && spec["externalIPs"] is JsonArray { Count: > 0 });

    private static bool Same(JsonObject spec, JsonObject before, string field) => JsonTree.DeepEquals(spec[field], before[field]);

    private static void DropIfSame(JsonObject spec, JsonObject before, string field)
    {
        if (spec[field] is not null && Same(spec, before, field))
        {
            spec.Remove(field);
        }
    }

    private static bool SameNodePorts(JsonObject spec, JsonObject before)
    {
        var (ports, oldPorts) = (spec["ports"] as JsonArray ?? [], before["ports"] as JsonArray ?? []);
        return ports.Count == oldPorts.Count
            && Enumerable.Range(0, ports.Count).All(i => JsonTree.AsInt(ports[i]?["nodePort"]) == JsonTree.AsInt(oldPorts[i]?["nodePort"]));
    }
}
