using System.Runtime.CompilerServices;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Informers;

/// <summary>
/// The controller reference of a cached object, read once per stored version for every controller: the informer caches
/// share one parsed, never-changed object per version (<see cref="CachedObject.Object"/>), and the workload controllers
/// look at each pod's owner on every change and in their indexes.
/// </summary>
public static class CachedOwner
{
    private static readonly ConditionalWeakTable<KubeObject, Owner> Read = new();

    /// <summary>
    /// The controller reference of <paramref name="cached"/>, which must be a cache's shared object (never one being
    /// changed: the answer is kept for the instance).
    /// </summary>
    public static OwnerReference? ControllerOf(KubeObject cached) =>
        Read.GetValue(cached, static obj => new Owner(obj.ControllerReference)).Reference;

    private sealed record Owner(OwnerReference? Reference);
}
