using System.Net;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Validation;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The Service REST storage's allocators: a cluster IP from the service range (<see cref="ServiceCidrSettings"/>:
/// 10.96.0.0/12, kubeadm's and kind's default, unless configured; the first address is the <c>kubernetes</c> Service's) and node ports from 30000–32767, each unique in the
/// cluster, requested ones checked with the API server's messages. Allocations live in the stored Services themselves,
/// so they survive restarts and a deleted Service frees them. Addresses are picked from a hash of the Service's
/// namespace and name (probing on), so a replayed run allocates the same ones.
/// </summary>
public static class ServiceAllocation
{
    /// <summary>The first node port.</summary>
    public const int NodePortMin = 30000;

    /// <summary>The last node port.</summary>
    public const int NodePortMax = 32767;

    /// <summary>
    /// Allocates (or keeps, on update) the cluster IP (from <paramref name="range"/>) and node ports of a Service being
    /// written.
    /// </summary>
    /// <exception cref="InvalidObjectException">When a requested address or port is taken or out of range.</exception>
    public static void Allocate(JsonObject service, JsonObject? old, IAdmissionContext stored, ServiceCidrSettings range)
    {
        var spec = service["spec"] as JsonObject;
        if (spec is null)
        {
            return;
        }
        var name = JsonTree.GetString(service, "metadata", "name") ?? "";
        var ns = JsonTree.GetString(service, "metadata", "namespace") ?? "";
        var others = stored.List(ResourceTypes.Of("", "services"))
            .Where(s => s.Namespace != ns || s.Name != name)
            .Select(s => s.ToJsonObject()["spec"] as JsonObject).OfType<JsonObject>().ToList();
        var errors = new List<FieldError>();
        AllocateClusterIP(spec, old?["spec"] as JsonObject, ns, name, others, errors, range);
        AllocateNodePorts(spec, old?["spec"] as JsonObject, ns, name, others, errors);
        if (errors.Count > 0)
        {
            throw new InvalidObjectException("", "Service", name, errors);
        }
    }

    private static void AllocateClusterIP(JsonObject spec, JsonObject? old, string ns, string name, List<JsonObject> others, List<FieldError> errors, ServiceCidrSettings range)
    {
        var type = JsonTree.AsString(spec["type"]);
        if (type == "ExternalName")
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            spec.Remove("ipFamilies");
            spec.Remove("ipFamilyPolicy");
            return;
        }
        var requested = JsonTree.AsString(spec["clusterIP"]) ?? (spec["clusterIPs"] as JsonArray)?.Select(JsonTree.AsString).FirstOrDefault() ?? "";
        var previous = old is not null && JsonTree.AsString(old["type"]) != "ExternalName" ? JsonTree.AsString(old["clusterIP"]) : null;
        string address;
        if (requested == "None")
        {
            address = "None";
        }
        else if (previous is { Length: > 0 } && (requested.Length == 0 || requested == previous))
        {
            address = previous;
        }
        else if (requested.Length > 0)
        {
            var taken = others.Select(o => JsonTree.AsString(o["clusterIP"])).ToHashSet(StringComparer.Ordinal);
            if (!IPAddress.TryParse(requested, out var ip) || !range.Contains(ip))
            {
                errors.Add(FieldError.InvalidWithoutValue("spec.clusterIPs",
                    $"{GoStrings(requested)}: failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {range.Cidr}"));
                return;
            }
            if (taken.Contains(requested))
            {
                errors.Add(FieldError.InvalidWithoutValue("spec.clusterIPs", $"{GoStrings(requested)}: failed to allocate IP {requested}: provided IP is already allocated"));
                return;
            }
            address = requested;
        }
        else
        {
            var taken = others.Select(o => JsonTree.AsString(o["clusterIP"])).OfType<string>().ToHashSet(StringComparer.Ordinal);
            address = ns == "default" && name == "kubernetes" && !taken.Contains(range.KubernetesServiceIp)
                ? range.KubernetesServiceIp
                : PickAddress($"{ns}/{name}", taken, range);
        }
        spec["clusterIP"] = address;
        spec["clusterIPs"] = new JsonArray(address);
        spec["ipFamilies"] = new JsonArray("IPv4");
        JsonTree.SetDefaultString(spec, "ipFamilyPolicy", "SingleStack");
    }

    private static void AllocateNodePorts(JsonObject spec, JsonObject? old, string ns, string name, List<JsonObject> others, List<FieldError> errors)
    {
        var type = JsonTree.AsString(spec["type"]);
        var ports = spec["ports"] as JsonArray ?? [];
        var wantsNodePorts = type == "NodePort" || (type == "LoadBalancer" && JsonTree.AsBool(spec["allocateLoadBalancerNodePorts"]) != false);
        if (!wantsNodePorts)
        {
            if (type is "ClusterIP" or "ExternalName")
            {
                foreach (var port in JsonTree.Objects(ports))
                {
                    port.Remove("nodePort");
                }
            }
            return;
        }
        var taken = others.SelectMany(o => JsonTree.Objects(o["ports"] as JsonArray)).Select(p => JsonTree.AsInt(p["nodePort"])).OfType<long>().ToHashSet();
        var oldPorts = JsonTree.Objects(old?["ports"] as JsonArray).ToList();
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i] is not JsonObject port)
            {
                continue;
            }
            if (JsonTree.AsInt(port["nodePort"]) is { } requested and not 0)
            {
                if (taken.Contains(requested))
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", requested, "provided port is already allocated"));
                }
                taken.Add(requested);
                continue;
            }
            // An update that leaves a port's node port out keeps the one it had.
            var kept = oldPorts.FirstOrDefault(o => JsonTree.AsInt(o["port"]) == JsonTree.AsInt(port["port"]) && JsonTree.AsString(o["protocol"]) == JsonTree.AsString(port["protocol"]));
            if (kept is not null && JsonTree.AsInt(kept["nodePort"]) is { } previous and not 0 && !taken.Contains(previous))
            {
                port["nodePort"] = previous;
                taken.Add(previous);
                continue;
            }
            var chosen = PickPort($"{ns}/{name}/{i}", taken);
            port["nodePort"] = chosen;
            taken.Add(chosen);
        }
    }

    /// <summary>The value as the API server prints the Service's clusterIPs (Go's <c>%#v</c> of a []string).</summary>
    private static string GoStrings(string ip) => $"[]string{{\"{ip}\"}}";

    private static string PickAddress(string key, HashSet<string> taken, ServiceCidrSettings range)
    {
        var (rangeStart, rangeSize) = range.Range;
        // The lower band is left to requested addresses, as the allocator's static band: min(max(16, size/16), 256).
        var staticBand = Math.Min(Math.Max(16u, rangeSize / 16), 256u);
        // Neither the network address nor the broadcast address is handed out.
        var dynamicSize = rangeSize - staticBand - 1;
        var start = Hash(key) % dynamicSize;
        for (uint probe = 0; probe < dynamicSize; probe++)
        {
            var candidate = ServiceCidrSettings.Address(rangeStart + staticBand + ((start + probe) % dynamicSize));
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
        throw new ApiStatusException(ApiStatus.Internal("range is full"));
    }

    private static long PickPort(string key, HashSet<long> taken)
    {
        const int Size = NodePortMax - NodePortMin + 1;
        var start = Hash(key) % Size;
        for (var probe = 0; probe < Size; probe++)
        {
            var candidate = NodePortMin + ((start + probe) % Size);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
        throw new ApiStatusException(ApiStatus.Internal("range is full"));
    }

    // FNV-1a: stable across processes (string.GetHashCode is randomised per process).
    private static uint Hash(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
