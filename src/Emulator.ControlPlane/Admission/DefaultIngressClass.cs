using Emulator.ControlPlane.Ingress;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The <c>DefaultIngressClass</c> admission plugin (creates only): an Ingress that names no class (neither
/// <c>spec.ingressClassName</c> nor the <c>kubernetes.io/ingress.class</c> annotation) gets the default IngressClass,
/// the newest of several (then the first by name); with none marked default it stays classless.
/// </summary>
public static class DefaultIngressClass
{
    private static readonly string IngressesKey = ResourceTypes.Of("networking.k8s.io", "ingresses").Key;

    /// <summary>Sets <c>spec.ingressClassName</c> on a new Ingress that has no class.</summary>
    public static void Admit(ResourceType type, KubeObject ingress, IAdmissionContext stored)
    {
        if (type.Key != IngressesKey || JsonTree.GetString(ingress.Document, "spec", "ingressClassName") is not null
            || ingress.Annotations.ContainsKey("kubernetes.io/ingress.class"))
        {
            return;
        }
        var classes = stored.List(IngressClassController.IngressClasses).Select(c => new KubeObject(c.ToJsonObject()));
        var chosen = DefaultClassChoice.Newest(classes, c => c.Annotations.GetValueOrDefault(IngressClassController.DefaultClassAnnotation) == "true");
        if (chosen?.Name is { } name)
        {
            ingress.EnsureSpec()["ingressClassName"] = name;
        }
    }
}
