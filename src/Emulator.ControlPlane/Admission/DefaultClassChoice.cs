using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// How the DefaultStorageClass and DefaultIngressClass plugins pick among several classes marked default: the newest,
/// then the first by name, as both do since Kubernetes 1.26/1.28.
/// </summary>
public static class DefaultClassChoice
{
    /// <summary>The default class of <paramref name="classes"/>, or null when none is marked default.</summary>
    public static KubeObject? Newest(IEnumerable<KubeObject> classes, Func<KubeObject, bool> isDefault) =>
        classes.Where(isDefault)
            .OrderByDescending(c => c.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
}
