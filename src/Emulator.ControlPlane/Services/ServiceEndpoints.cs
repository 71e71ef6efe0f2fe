using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Services;

/// <summary>One pod behind a Service, as the endpoint controllers see it.</summary>
/// <param name="Pod">The pod.</param>
/// <param name="Address">Its IP.</param>
/// <param name="Ready">Ready to receive traffic: serving and not terminating (always, under <c>publishNotReadyAddresses</c>).</param>
/// <param name="Serving">The pod's Ready condition, whatever its termination.</param>
/// <param name="Terminating">The pod is being deleted.</param>
/// <param name="Hostname">The pod's hostname when its subdomain is the Service's name (StatefulSet pods), else null.</param>
/// <param name="Ports">The Service's ports resolved against this pod: (name, target port number, protocol).</param>
public sealed record ServiceEndpoint(
    KubeObject Pod,
    string Address,
    bool Ready,
    bool Serving,
    bool Terminating,
    string? Hostname,
    IReadOnlyList<(string Name, long Port, string Protocol)> Ports)
{
    /// <summary>The ports as one comparable key (pods that resolve named ports differently go to different slices).</summary>
    public string PortKey => string.Join(",", Ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}"));
}

/// <summary>
/// Which pods back a Service, shared by the EndpointSlice and Endpoints controllers: the pods of the Service's namespace
/// that its selector matches, with an IP and not finished; each port's <c>targetPort</c> resolved per pod (a named
/// port to the pod's container port of that name — a pod without it is left out of that port).
/// </summary>
public static class ServiceEndpoints
{
    /// <summary>True when the Service's endpoints are computed by the controllers (it has a selector and is not ExternalName).</summary>
    public static bool IsManaged(KubeObject service) =>
        service.Spec?["selector"] is JsonObject { Count: > 0 } && JsonTree.GetString(service.Document, "spec", "type") != "ExternalName";

    /// <summary>True when the pod is selected by the Service.</summary>
    public static bool Selects(KubeObject service, KubeObject pod) => Selects(service, pod.Namespace, () => pod.Labels);

    /// <summary>As <see cref="Selects(KubeObject, KubeObject)"/>, from the cached pod's stored labels (no parse of the pod).</summary>
    public static bool Selects(KubeObject service, Informers.CachedObject pod) => Selects(service, pod.Namespace, () => pod.Stored.Labels);

    // The labels are read only for a service with a selector in the pod's namespace.
    private static bool Selects(KubeObject service, string? podNamespace, Func<IReadOnlyDictionary<string, string>> podLabels) =>
        IsManaged(service) && podNamespace == service.Namespace
        && LabelSelector.FromSet(JsonTree.StringMap(service.Spec!["selector"])).Matches(podLabels());

    /// <summary>The endpoints of <paramref name="service"/> among <paramref name="pods"/> (the namespace's pods), ordered by pod name.</summary>
    public static IReadOnlyList<ServiceEndpoint> Of(KubeObject service, IEnumerable<KubeObject> pods)
    {
        var publishNotReady = JsonTree.GetBool(service.Document, "spec", "publishNotReadyAddresses") == true;
        var ports = JsonTree.Objects(JsonTree.GetArray(service.Document, "spec", "ports")).ToList();
        var endpoints = new List<ServiceEndpoint>();
        foreach (var pod in pods.Where(p => Selects(service, p)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var address = JsonTree.GetString(pod.Document, "status", "podIP");
            var phase = JsonTree.GetString(pod.Document, "status", "phase");
            if (string.IsNullOrEmpty(address) || phase is "Succeeded" or "Failed")
            {
                continue;
            }
            var serving = pod.Document["status"] is JsonObject status && Conditions.IsTrue(status, "Ready");
            var terminating = pod.Document["metadata"]?["deletionTimestamp"] is not null;
            var hostname = JsonTree.GetString(pod.Document, "spec", "subdomain") == service.Name ? JsonTree.GetString(pod.Document, "spec", "hostname") : null;
            var resolved = new List<(string, long, string)>();
            foreach (var port in ports)
            {
                if (TargetPort(port, pod) is { } number)
                {
                    resolved.Add((JsonTree.GetString(port, "name") ?? "", number, JsonTree.GetString(port, "protocol") ?? "TCP"));
                }
            }
            endpoints.Add(new ServiceEndpoint(pod, address, publishNotReady || (serving && !terminating), publishNotReady || serving, terminating, hostname, resolved));
        }
        return endpoints;
    }

    private static long? TargetPort(JsonObject servicePort, KubeObject pod)
    {
        var target = servicePort["targetPort"];
        if (JsonTree.AsInt(target) is { } number and > 0)
        {
            return number;
        }
        if (JsonTree.AsString(target) is { Length: > 0 } name)
        {
            var protocol = JsonTree.GetString(servicePort, "protocol") ?? "TCP";
            return JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "containers"))
                .SelectMany(c => JsonTree.Objects(c["ports"] as JsonArray))
                .Where(p => JsonTree.GetString(p, "name") == name && (JsonTree.GetString(p, "protocol") ?? "TCP") == protocol)
                .Select(p => JsonTree.GetInt(p, "containerPort")).FirstOrDefault();
        }
        return JsonTree.GetInt(servicePort, "port");
    }
}
