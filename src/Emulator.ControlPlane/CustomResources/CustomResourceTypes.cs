using System.Runtime.CompilerServices;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.ControlPlane.CustomResources;

/// <summary>
/// The store types of custom resources, read from the stored CustomResourceDefinitions: what the controllers that
/// work on every kind (garbage collector, namespace deletion) add to the built-in types, as Kubernetes' controllers
/// learn custom resources from discovery.
/// </summary>
public static class CustomResourceTypes
{
    /// <summary><c>apiextensions.k8s.io/v1</c> CustomResourceDefinitions.</summary>
    public static readonly ResourceType Definitions = ResourceTypes.Of(CustomResourceDefinition.ApiGroup, "customresourcedefinitions");

    // A stored object never changes, so each stored version of a CRD is parsed once, and forgotten with it.
    private static readonly ConditionalWeakTable<StoredObject, ParsedDefinition> Parsed = new();

    private sealed record ParsedDefinition(CustomResourceDefinition? Definition);

    /// <summary>The CRD a stored object holds, or null when it lacks what serving needs.</summary>
    public static CustomResourceDefinition? Parse(StoredObject crd) =>
        Parsed.GetValue(crd, o => new ParsedDefinition(CustomResourceDefinition.TryParse(o.ToJsonObject()))).Definition;

    /// <summary>The store type of the objects a CRD defines (kept at its storage version).</summary>
    public static ResourceType Of(CustomResourceDefinition crd) =>
        new(crd.Group, crd.StorageVersion.Name, crd.Plural, crd.Kind, crd.Namespaced, crd.StorageVersion.HasStatus);

    /// <summary>The store types of every custom resource defined now.</summary>
    public static async Task<IReadOnlyList<ResourceType>> ListAsync(IActorRef store, TimeSpan timeout)
    {
        // No ConfigureAwait(false): callers that run as actor tasks resume on their actor.
        var list = await store.Ask<ListReply>(new ListObjects(Definitions, null), timeout);
        return list.Items.Select(Parse).OfType<CustomResourceDefinition>().Select(Of).ToArray();
    }
}
