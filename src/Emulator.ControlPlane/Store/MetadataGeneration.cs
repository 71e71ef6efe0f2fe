using Emulator.Kubernetes.Kinds;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// Which kinds carry <c>metadata.generation</c>. The API server's registry strategies set it to 1 on create (and bump
/// it when the desired state changes) only for kinds whose spec a controller observes and reports on; ConfigMaps,
/// Secrets, Services, Nodes, Namespaces, Events and the like have none. Custom resources always have one.
/// </summary>
public static class MetadataGeneration
{
    private static readonly HashSet<string> Tracked = new(StringComparer.Ordinal)
    {
        "pods",
        "replicationcontrollers",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "jobs.batch",
        "cronjobs.batch",
        "horizontalpodautoscalers.autoscaling",
        "poddisruptionbudgets.policy",
        "ingresses.networking.k8s.io",
        "ingressclasses.networking.k8s.io",
        "networkpolicies.networking.k8s.io",
        "customresourcedefinitions.apiextensions.k8s.io",
        "flowschemas.flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations.flowcontrol.apiserver.k8s.io",
        "validatingwebhookconfigurations.admissionregistration.k8s.io",
        "mutatingwebhookconfigurations.admissionregistration.k8s.io",
        "validatingadmissionpolicies.admissionregistration.k8s.io",
        "validatingadmissionpolicybindings.admissionregistration.k8s.io",
        "deviceclasses.resource.k8s.io",
    };

    /// <summary>True when objects of <paramref name="type"/> have a generation: a built-in kind whose strategy sets it, or a custom resource.</summary>
    public static bool IsTracked(ResourceType type) =>
        Tracked.Contains(type.Key) || KindRegistry.Default.FindByResource(type.Group, type.Resource) is null;
}
