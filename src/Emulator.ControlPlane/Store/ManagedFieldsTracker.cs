using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.CustomResources;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.ServerSideApply;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// The field managers of the stored types: built-in kinds from the model's field schema, custom resources from their
/// CRD's structural schema (rebuilt when the CRD changes), and the fields each kind of write may not own — the status
/// for the main resource of a kind with a status subresource, everything but the status for the status subresource,
/// everything but the replica count for the scale subresource.
/// </summary>
public static class ManagedFieldsTracker
{
    private static readonly ConcurrentDictionary<(string Key, string ApiVersion), FieldManager?> BuiltIn = new();
    private static readonly ConditionalWeakTable<StructuralSchema, ApplyType> CustomTypes = new();

    /// <summary>
    /// The field manager of <paramref name="type"/> written through <paramref name="apiVersion"/>, or null when the
    /// type has no schema to track with.
    /// </summary>
    /// <param name="type">The store type.</param>
    /// <param name="apiVersion">The request's API version.</param>
    /// <param name="stored">The store's objects (for a custom resource's CRD).</param>
    public static FieldManager? For(ResourceType type, string apiVersion, IAdmissionContext stored)
    {
        if (KindRegistry.Default.FindByResource(type.Group, type.Resource) is { } kind)
        {
            return BuiltIn.GetOrAdd((type.Key, apiVersion), key =>
                FieldSchema.Default.Find(kind.SchemaType) is { } schema ? new FieldManager(ApplyType.ForStruct(schema), key.ApiVersion, kind.Kind) : null);
        }
        if (CustomResourceDefinitionOf(type, stored) is not { } crd)
        {
            return null;
        }
        return ForCustomResource(crd, crd.Version(VersionOf(apiVersion)) ?? crd.StorageVersion, apiVersion);
    }

    /// <summary>The field manager of a custom resource served at <paramref name="version"/> of its CRD.</summary>
    public static FieldManager ForCustomResource(CustomResourceDefinition crd, CustomResourceVersion version, string apiVersion) =>
        new(CustomTypes.GetValue(version.Schema, ApplyType.ForCustomResource), apiVersion, crd.Kind);

    private static CustomResourceDefinition? CustomResourceDefinitionOf(ResourceType type, IAdmissionContext stored) =>
        stored.Find(CustomResourceTypes.Definitions, null, type.Key) is { } definition ? CustomResourceTypes.Parse(definition) : null;

    private static string VersionOf(string apiVersion) => apiVersion[(apiVersion.IndexOf('/') + 1)..];

    /// <summary>The fields a write through <paramref name="subresource"/> (empty: the main resource) may own.</summary>
    public static FieldFilter FilterFor(ResourceType type, string subresource, IAdmissionContext stored) => subresource switch
    {
        "status" => FieldFilter.KeepingOnly(FieldPath.Fields("status")),
        "scale" => FieldFilter.KeepingOnly(FieldPath.Fields(ReplicasPath(type, stored))),
        _ => type.HasStatus ? FieldFilter.Excluding(FieldPath.Fields("status")) : FieldFilter.None,
    };

    /// <summary>Where the desired replica count is: <c>spec.replicas</c>, or a CRD scale subresource's <c>specReplicasPath</c>.</summary>
    private static string[] ReplicasPath(ResourceType type, IAdmissionContext stored) =>
        CustomResourceDefinitionOf(type, stored)?.StorageVersion.Scale is { } scale
            ? scale.SpecReplicasPath.TrimStart('.').Split('.')
            : ["spec", "replicas"];

    /// <summary>
    /// The object as the API server's field manager sees a write: decoded with the kind's scheme defaults (a custom
    /// object pruned and defaulted by its schema), before admission plugins add to it — what the ServiceAccount,
    /// DefaultTolerationSeconds or Priority plugins add is nobody's. Null when the write is not tracked.
    /// </summary>
    public static JsonObject? AsDecoded(ResourceType type, JsonObject written, FieldOwnership? ownership, IAdmissionContext stored)
    {
        if (ownership is null || ownership.Applied)
        {
            return null;
        }
        var decoded = (JsonObject)written.DeepClone();
        if (KindRegistry.Default.FindByResource(type.Group, type.Resource) is not null)
        {
            ObjectDefaulter.Apply(new KubeObject(decoded));
        }
        else if (CustomResourceDefinitionOf(type, stored) is { } crd)
        {
            crd.StorageVersion.Schema.PruneObject(decoded);
            crd.StorageVersion.Schema.ApplyDefaults(decoded);
        }
        return decoded;
    }

    /// <summary>
    /// Records a create or update in <paramref name="updated"/>'s managedFields (<see cref="FieldManager.Update"/>,
    /// computed on <paramref name="decoded"/>, the write before admission); a write nobody is named for keeps the
    /// managed fields it carries, or the live object's. Tracking never fails a write: should it fail, the object is
    /// stored without managed fields, as the API server does.
    /// </summary>
    /// <returns>Null, or the error that made tracking give up (for the log).</returns>
    public static Exception? Record(ResourceType type, JsonObject? live, JsonObject updated, JsonObject? decoded, FieldOwnership? ownership, bool statusWrite, IAdmissionContext stored, DateTimeOffset now)
    {
        var metadata = updated["metadata"] as JsonObject;
        if (ownership is { Applied: true })
        {
            // Computed by the apply, none left included.
            return null;
        }
        if (ownership is null || decoded is null)
        {
            if (metadata is not null && metadata["managedFields"] is null && live?["metadata"]?["managedFields"] is { } kept)
            {
                metadata["managedFields"] = kept.DeepClone();
            }
            return null;
        }
        try
        {
            var subresource = statusWrite ? "status" : ownership.Subresource ?? "";
            if (For(type, ownership.ApiVersion ?? type.ApiVersion, stored) is not { } manager)
            {
                return null;
            }
            // The scale subresource's entries carry no time: the API server copies them over from the Scale object's.
            var time = subresource == "scale" ? null : ApiStore.Timestamp(now);
            manager.Update(live, decoded, ownership.Manager, subresource, FilterFor(type, subresource, stored), time);
            if (metadata is not null)
            {
                SetOrRemove(metadata, decoded["metadata"]?["managedFields"]);
            }
            return null;
        }
        catch (Exception e)
        {
            metadata?.Remove("managedFields");
            return e;
        }
    }

    private static void SetOrRemove(JsonObject metadata, JsonNode? managedFields)
    {
        if (managedFields is null)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = managedFields.DeepClone();
        }
    }
}
