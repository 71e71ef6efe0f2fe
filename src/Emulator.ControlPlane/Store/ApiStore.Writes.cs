using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Event;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.ControlPlane.Store;

public sealed partial class ApiStore
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const string CustomResourceDefinitionsKey = "customresourcedefinitions." + CustomResourceDefinition.ApiGroup;

    private StoredObject? Create(ResourceType type, JsonObject obj, bool dryRun, FieldOwnership? ownership = null)
    {
        var metadata = obj["metadata"] as JsonObject ?? throw Invalid(type, "", "metadata", "Required value", "FieldValueRequired");
        var ns = metadata["namespace"]?.GetValue<string>();
        if (type.Namespaced)
        {
            if (string.IsNullOrEmpty(ns))
            {
                throw Invalid(type, Name(metadata), "metadata.namespace", "Required value", "FieldValueRequired");
            }
            RequireActiveNamespace(type, ns, Name(metadata));
        }
        else
        {
            metadata.Remove("namespace");
            ns = null;
        }
        var name = Name(metadata);
        if (string.IsNullOrEmpty(name))
        {
            var prefix = metadata["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(prefix))
            {
                throw Invalid(type, "", "metadata.name", "Required value: name or generateName is required", "FieldValueRequired");
            }
            name = GenerateName(type.Key, ns, prefix);
            metadata["name"] = name;
        }
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (type.Key == NamespaceType.Key)
        {
            // Namespace strategy: the "kubernetes" finalizer keeps a deleted namespace until its content is gone.
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
        // The system fields come first, as the API server's BeforeCreate fills them before the kind's strategy runs:
        // a Job's generated selector and pod labels carry its uid.
        var uid = NewUid();
        var created = Timestamp(Now);
        metadata["uid"] = uid;
        metadata["creationTimestamp"] = created;
        _admissionView.WritesAlong.Clear();
        var decoded = ManagedFieldsTracker.AsDecoded(type, obj, ownership, _admissionView);
        _admission.Admit(type, obj, null, AdmissionOperation.Create, _admissionView);
        RecordManagedFields(type, null, obj, decoded, ownership, statusWrite: false);
        if (Find(type.Key, ns, name) is not null)
        {
            throw new ApiStatusException(ApiStatus.AlreadyExists(type.Resource, type.Group, name));
        }
        metadata = (JsonObject)obj["metadata"]!;
        metadata["uid"] = uid;
        metadata["creationTimestamp"] = created;
        if (MetadataGeneration.IsTracked(type))
        {
            metadata["generation"] = 1;
        }
        else
        {
            metadata.Remove("generation");
        }
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        if (dryRun)
        {
            metadata.Remove("resourceVersion");
            return StoredObject.From(type.Key, obj);
        }
        metadata["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(type.Key, obj);
        Commit(stored, WatchEventType.Added, removed: false);
        CommitWritesAlong();
        return stored;
    }

    private StoredObject? Update(ResourceType type, JsonObject obj, UpdateScope scope, bool dryRun, FieldOwnership? ownership = null)
    {
        var metadata = obj["metadata"] as JsonObject ?? throw Invalid(type, "", "metadata", "Required value", "FieldValueRequired");
        var name = Name(metadata);
        var ns = type.Namespaced ? metadata["namespace"]?.GetValue<string>() : null;
        var current = Find(type.Key, ns, name) ?? throw new ApiStatusException(ApiStatus.NotFound(type.Resource, type.Group, name));
        var requestedVersion = metadata["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new ApiStatusException(ApiStatus.Conflict(type.Resource, type.Group, name));
        }
        var requestedUid = metadata["uid"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(requestedUid) && requestedUid != current.Uid)
        {
            throw new ApiStatusException(new ApiStatus(409, "Conflict",
                $"Precondition failed: UID in precondition: {requestedUid}, UID in object meta: {current.Uid}", type.Group, type.Resource, name));
        }
        var old = current.ToJsonObject();
        JsonObject next;
        if (scope == UpdateScope.Status)
        {
            // The status subresource changes only the status.
            next = old.DeepClone().AsObject();
            SetStatus(next, obj["status"]);
        }
        else if (scope == UpdateScope.EphemeralContainers)
        {
            // dropNonEphemeralContainerUpdates: every other change of the request is dropped.
            next = old.DeepClone().AsObject();
            var spec = next["spec"] as JsonObject ?? [];
            next["spec"] = spec;
            spec.Remove("ephemeralContainers");
            if (obj["spec"]?["ephemeralContainers"] is JsonArray { Count: > 0 } ephemeral)
            {
                spec["ephemeralContainers"] = ephemeral.DeepClone();
            }
        }
        else
        {
            next = obj.DeepClone().AsObject();
            if (type.HasStatus)
            {
                // The main resource cannot change the status (Kubernetes' status subresource rule).
                SetStatus(next, old["status"]);
            }
        }
        next["apiVersion"] = type.ApiVersion;
        next["kind"] = type.Kind;
        var nextMetadata = next["metadata"] as JsonObject ?? [];
        next["metadata"] = nextMetadata;
        var oldMetadata = (JsonObject)old["metadata"]!;
        // Fields the client cannot change through an update.
        foreach (var kept in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
        {
            if (oldMetadata[kept] is { } value)
            {
                nextMetadata[kept] = value.DeepClone();
            }
            else
            {
                nextMetadata.Remove(kept);
            }
        }
        if (oldMetadata["deletionTimestamp"] is not null && AddsFinalizers(oldMetadata, nextMetadata))
        {
            throw new ApiStatusException(new ApiStatus(422, "Invalid",
                $"{type.Kind} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted",
                type.Group, type.Kind, name, [new StatusCause("FieldValueForbidden", "no new finalizers can be added if the object is being deleted", "metadata.finalizers")]));
        }
        _admissionView.WritesAlong.Clear();
        var decoded = ManagedFieldsTracker.AsDecoded(type, next, ownership, _admissionView);
        _admission.Admit(type, next, old, scope switch
        {
            UpdateScope.Status => AdmissionOperation.UpdateStatus,
            UpdateScope.EphemeralContainers => AdmissionOperation.UpdateEphemeralContainers,
            _ => AdmissionOperation.Update,
        }, _admissionView);
        nextMetadata = (JsonObject)next["metadata"]!;
        if (scope == UpdateScope.Main && MetadataGeneration.IsTracked(type) && !JsonNode.DeepEquals(old["spec"], next["spec"]))
        {
            nextMetadata["generation"] = (oldMetadata["generation"]?.GetValue<long>() ?? 0) + 1;
        }
        nextMetadata["resourceVersion"] = oldMetadata["resourceVersion"]?.DeepClone();
        if (ownership is { Applied: true })
        {
            // A server-side apply computed the managed fields (a status apply included): they are stored as given.
            SetManagedFields(nextMetadata, obj["metadata"]?["managedFields"]);
        }
        RecordManagedFields(type, old, next, decoded, ownership, scope == UpdateScope.Status);
        // The status first: a status write differs there if anywhere, and the comparison then ends before the spec.
        if (JsonNode.DeepEquals(old["status"], next["status"]) && JsonNode.DeepEquals(old, next))
        {
            // A no-op update writes nothing and keeps the resourceVersion, as the API server does.
            return current;
        }
        var removeNow = nextMetadata["deletionTimestamp"] is not null && !HasFinalizers(nextMetadata) && !HasSpecFinalizers(next) && !WaitsForGracePeriod(type, next);
        if (dryRun)
        {
            return StoredObject.From(type.Key, next);
        }
        if (removeNow)
        {
            // The last finalizer is gone from an object being deleted: it goes now.
            Commit(StoredObject.From(type.Key, next), WatchEventType.Deleted, removed: true);
            return current;
        }
        nextMetadata["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(type.Key, next, current);
        Commit(stored, WatchEventType.Modified, removed: false);
        CommitWritesAlong();
        return stored;
    }

    /// <summary>
    /// The status writes admission asked for (quota usage charged), committed after the admitted object so that a watcher
    /// sees the object before the usage that counts it: a quota recount made in between then fails on the quota's
    /// resourceVersion instead of writing a usage that misses the object. The objects are the ones admission read in this
    /// same command, so their resourceVersion is current.
    /// </summary>
    private void CommitWritesAlong()
    {
        foreach (var (type, obj) in _admissionView.WritesAlong)
        {
            var metadata = (JsonObject)obj["metadata"]!;
            metadata["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
            Commit(StoredObject.From(type.Key, obj), WatchEventType.Modified, removed: false, reply: false);
        }
        _admissionView.WritesAlong.Clear();
    }

    private StoredObject? Delete(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        ns = type.Namespaced ? ns : null;
        var current = Find(type.Key, ns, name) ?? throw new ApiStatusException(ApiStatus.NotFound(type.Resource, type.Group, name));
        if (type.Key == NamespaceType.Key && name is "default" or "kube-system" or "kube-public")
        {
            // The NamespaceLifecycle admission plugin's immortal namespaces.
            throw new ApiStatusException(ApiStatus.Forbidden(type.Resource, type.Group, name, "this namespace may not be deleted"));
        }
        if (options.PreconditionUid is { } uid && uid != current.Uid)
        {
            throw new ApiStatusException(new ApiStatus(409, "Conflict",
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}", type.Group, type.Resource, name));
        }
        if (options.PreconditionResourceVersion is { } rv && rv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new ApiStatusException(new ApiStatus(409, "Conflict",
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.ResourceVersion}", type.Group, type.Resource, name));
        }
        _admission.AdmitDelete(type, current.ToJsonObject(), _admissionView);
        var obj = current.ToJsonObject();
        var metadata = (JsonObject)obj["metadata"]!;
        var grace = GracePeriodSeconds(type, obj, options);
        var policy = options.PropagationPolicy ?? DefaultPropagationPolicy(type);
        var finalizers = metadata["finalizers"] as JsonArray ?? [];
        var added = false;
        if (policy == "Foreground" && !finalizers.Any(f => f?.GetValue<string>() == "foregroundDeletion"))
        {
            finalizers.Add("foregroundDeletion");
            added = true;
        }
        else if (policy == "Orphan" && !finalizers.Any(f => f?.GetValue<string>() == "orphan"))
        {
            finalizers.Add("orphan");
            added = true;
        }
        if (type.Key == CustomResourceDefinitionsKey && !current.IsDeleting)
        {
            // The API server's CRD delete: the cleanup finalizer and the Terminating condition go on first; the CRD
            // controller removes the custom objects, then the finalizer.
            if (!finalizers.Any(f => f?.GetValue<string>() == CustomResourceDefinition.CleanupFinalizer))
            {
                finalizers.Add(CustomResourceDefinition.CleanupFinalizer);
                added = true;
            }
            var status = obj["status"] as JsonObject ?? [];
            obj["status"] = status;
            Kubernetes.Views.Conditions.Set(status, "Terminating", "True", "InstanceDeletionPending",
                "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon", Now);
        }
        if (finalizers.Count > 0)
        {
            metadata["finalizers"] = finalizers;
        }
        var hasFinalizers = finalizers.Count > 0 || HasSpecFinalizers(obj);
        if (current.IsDeleting && !added && (grace is null || grace >= (metadata["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0)))
        {
            // Already being deleted: a second delete only shortens a grace period.
            return current;
        }
        if (!hasFinalizers && (grace is null or 0))
        {
            if (options.DryRun)
            {
                return current;
            }
            Commit(current, WatchEventType.Deleted, removed: true);
            return current;
        }
        var now = Now;
        metadata["deletionTimestamp"] ??= Timestamp(now.AddSeconds(grace ?? 0));
        if (grace is { } g)
        {
            metadata["deletionTimestamp"] = Timestamp(now.AddSeconds(g));
        }
        metadata["deletionGracePeriodSeconds"] = grace ?? 0;
        if (type.Resource == "namespaces")
        {
            obj["status"] = new JsonObject { ["phase"] = "Terminating" };
        }
        // Starting deletion bumps the generation of the kinds that have one, as the API server does.
        if (metadata["generation"]?.GetValue<long>() is > 0 and var generation)
        {
            metadata["generation"] = generation + 1;
        }
        if (options.DryRun)
        {
            return StoredObject.From(type.Key, obj);
        }
        metadata["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(type.Key, obj);
        Commit(stored, WatchEventType.Modified, removed: false);
        return stored;
    }

    private StoredObject? Bind(BindPod bind)
    {
        var pods = ResourceTypes.Pods;
        var current = Find(pods.Key, bind.Namespace, bind.Name) ?? throw new ApiStatusException(ApiStatus.NotFound(pods.Resource, pods.Group, bind.Name));
        ApiStatusException Refused(string reason) => new(new ApiStatus(409, "Conflict",
            $"Operation cannot be fulfilled on pods/binding \"{bind.Name}\": {reason}", "", "pods/binding", bind.Name));
        if (bind.Uid is { } uid && uid != current.Uid)
        {
            throw Refused($"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
        }
        var obj = current.ToJsonObject();
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        if (spec["nodeName"]?.GetValue<string>() is { Length: > 0 } bound)
        {
            throw Refused($"pod {bind.Name} is already assigned to node \"{bound}\"");
        }
        if (current.IsDeleting)
        {
            throw Refused($"pod {bind.Name} is being deleted, cannot be assigned to a host");
        }
        spec["nodeName"] = bind.NodeName;
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        Kubernetes.Views.Conditions.Set(status, "PodScheduled", "True", null, null, Now);
        var metadata = (JsonObject)obj["metadata"]!;
        metadata["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(pods.Key, obj, current);
        Commit(stored, WatchEventType.Modified, removed: false);
        return stored;
    }

    /// <summary>Records who changed what in the object's <c>metadata.managedFields</c> (see <see cref="ManagedFieldsTracker"/>).</summary>
    private void RecordManagedFields(ResourceType type, JsonObject? live, JsonObject updated, JsonObject? decoded, FieldOwnership? ownership, bool statusWrite)
    {
        if (ManagedFieldsTracker.Record(type, live, updated, decoded, ownership, statusWrite, _admissionView, Now) is { } failure)
        {
            Log.Error(failure, "Tracking the managed fields of {0} {1} failed; stored without them", type.Key, updated["metadata"]?["name"]);
        }
    }

    private static void SetManagedFields(JsonObject metadata, JsonNode? managedFields)
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

    /// <summary>Copies a status over; an absent status stays absent (not an explicit null, which schemas refuse).</summary>
    private static void SetStatus(JsonObject obj, JsonNode? status)
    {
        if (status is null)
        {
            obj.Remove("status");
        }
        else
        {
            obj["status"] = status.DeepClone();
        }
    }

    private static string Name(JsonObject metadata) => metadata["name"]?.GetValue<string>() ?? "";

    private static bool HasFinalizers(JsonObject metadata) => metadata["finalizers"] is JsonArray { Count: > 0 };

    /// <summary>Namespaces keep their own finalizers in <c>spec.finalizers</c>.</summary>
    private static bool HasSpecFinalizers(JsonObject obj) => obj["spec"]?["finalizers"] is JsonArray { Count: > 0 };

    private static bool AddsFinalizers(JsonObject old, JsonObject next)
    {
        var before = (old["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()).ToHashSet() ?? [];
        return (next["finalizers"] as JsonArray)?.Any(f => !before.Contains(f?.GetValue<string>())) == true;
    }

    /// <summary>A bound pod being deleted stays until its kubelet confirms (grace period); everything else goes at once.</summary>
    private static bool WaitsForGracePeriod(ResourceType type, JsonObject obj) =>
        type.Key == "pods" && obj["spec"]?["nodeName"] is JsonValue && (obj["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0) > 0;

    /// <summary>Only pods have a grace period, and only once bound to a node (unscheduled pods are deleted at once).</summary>
    private static long? GracePeriodSeconds(ResourceType type, JsonObject obj, DeleteOptions options)
    {
        if (type.Key != "pods" || obj["spec"]?["nodeName"] is not JsonValue)
        {
            return null;
        }
        return options.GracePeriodSeconds ?? obj["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
    }

    /// <summary>The server's default propagation: Orphan for batch/v1 Jobs (and ReplicationControllers), else Background.</summary>
    private static string DefaultPropagationPolicy(ResourceType type) =>
        type.Key is "jobs.batch" or "replicationcontrollers" ? "Orphan" : "Background";

    private void RequireActiveNamespace(ResourceType type, string ns, string name)
    {
        var found = Find(NamespaceType.Key, null, ns);
        if (found is null)
        {
            if (SystemNamespaces.Contains(ns))
            {
                return;
            }
            throw new ApiStatusException(ApiStatus.NotFound("namespaces", "", ns));
        }
        if (found.IsDeleting)
        {
            throw new ApiStatusException(ApiStatus.Forbidden(type.Resource, type.Group, name,
                $"unable to create new content in namespace {ns} because it is being terminated"));
        }
    }

    private string GenerateName(string resource, string? ns, string prefix)
    {
        // Kubernetes: prefix cut to 58 characters, then 5 random characters from a vowel-free alphabet.
        if (prefix.Length > 58)
        {
            prefix = prefix[..58];
        }
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var suffix = new char[5];
            for (var i = 0; i < suffix.Length; i++)
            {
                suffix[i] = GenerateNameAlphabet[Random.Next(GenerateNameAlphabet.Length)];
            }
            var candidate = prefix + new string(suffix);
            if (Find(resource, ns, candidate) is null)
            {
                return candidate;
            }
        }
        throw new ApiStatusException(new ApiStatus(500, "InternalError", $"could not generate a unique name from {prefix}"));
    }

    private static ApiStatusException Invalid(ResourceType type, string name, string field, string message, string reason) =>
        new(ApiStatus.Invalid(type.Kind, type.Group, name, [new StatusCause(reason, message, field)]));

    /// <summary>RFC 3339 with seconds, as Kubernetes timestamps.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
