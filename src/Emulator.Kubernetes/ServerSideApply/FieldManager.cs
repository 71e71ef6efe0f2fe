using System.Text.Json.Nodes;
using Emulator.Kubernetes.Decoding;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// The API server's field manager for one kind (apimachinery's <c>managedfields</c> chain over structured-merge-diff's
/// updater): records which manager owns which fields on every create, update and patch, and performs server-side
/// apply — merging a configuration into the live object, removing what its manager applied before and no longer
/// applies (unless another manager owns it), and refusing changes to fields others own unless forced.
/// </summary>
/// <param name="type">The kind's type.</param>
/// <param name="apiVersion">The API version written through (<c>apps/v1</c>): Update entries record it.</param>
/// <param name="kind">The kind.</param>
public sealed class FieldManager(ApplyType type, string apiVersion, string kind)
{
    /// <summary>The annotation client-side apply keeps its last configuration in.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>Update entries kept before the oldest are merged into <c>ancient-changes</c>.</summary>
    public const int MaxUpdateManagers = 10;

    /// <summary>The manager kubectl applies as: conflicts with its own client-side apply are forgiven, and it keeps the last-applied annotation current.</summary>
    public const string KubectlManager = "kubectl";

    private const string BeforeFirstApply = "before-first-apply";
    private const string AncientChanges = "ancient-changes";

    // Never owned: type and identity metadata (stripMetaManager).
    private static readonly FieldSet StrippedFields = FieldSet.Of(
        FieldPath.Fields("apiVersion"), FieldPath.Fields("kind"), FieldPath.Fields("metadata"),
        FieldPath.Fields("metadata", "name"), FieldPath.Fields("metadata", "namespace"), FieldPath.Fields("metadata", "creationTimestamp"),
        FieldPath.Fields("metadata", "selfLink"), FieldPath.Fields("metadata", "uid"), FieldPath.Fields("metadata", "clusterName"),
        FieldPath.Fields("metadata", "generation"), FieldPath.Fields("metadata", "managedFields"), FieldPath.Fields("metadata", "resourceVersion"));

    /// <summary>The kind's type.</summary>
    public ApplyType Type => type;

    /// <summary>The group-version-kind as Go prints it: <c>apps/v1, Kind=Deployment</c>, <c>/v1, Kind=Pod</c>.</summary>
    private static string GroupVersionKind(string? apiVersion, string? kind)
    {
        apiVersion ??= "";
        var slash = apiVersion.IndexOf('/');
        var group = slash >= 0 ? apiVersion[..slash] : "";
        var version = slash >= 0 ? apiVersion[(slash + 1)..] : apiVersion;
        return $"{group}/{version}, Kind={kind}";
    }

    /// <summary>
    /// Records a create, update or patch (not an apply) in <paramref name="updated"/>'s <c>metadata.managedFields</c>:
    /// what changed from <paramref name="live"/> becomes <paramref name="manager"/>'s, and other managers lose what
    /// changed or went. The managed fields the write carries are taken when it sets any (a client may rewrite them;
    /// an empty list resets them), else the live object's. An object that has none is not tracked until applied to.
    /// </summary>
    /// <param name="live">The stored object, or null for a create.</param>
    /// <param name="updated">The object about to be stored (changed in place).</param>
    /// <param name="manager">The field manager (empty: <c>unknown</c>).</param>
    /// <param name="subresource">The subresource written (<c>status</c>, <c>scale</c>), or empty.</param>
    /// <param name="filter">The fields this write may not own.</param>
    /// <param name="now">The time to record (RFC 3339), or null to record none (the scale subresource's entries have none).</param>
    public void Update(JsonObject? live, JsonObject updated, string manager, string subresource, FieldFilter filter, string? now)
    {
        var metadata = updated["metadata"] as JsonObject;
        var liveMetadata = live?["metadata"] as JsonObject;
        var requested = metadata?["managedFields"];
        metadata?.Remove("managedFields");
        // Compared first: a write that changes nothing leaves the managed fields as they are, unread.
        var comparison = CompareFiltered(live ?? [], updated, filter);
        var managed = DecodeLiveOrNew(liveMetadata, requested, subresource.Length > 0);
        var isCreate = live is null || JsonTree.AsString(liveMetadata?["uid"]) is not { Length: > 0 };
        if (managed.IsEmpty && !isCreate)
        {
            // Tracking starts on create or on the first apply, never in the middle of an object's life.
            return;
        }
        if (!comparison.IsSame)
        {
            var identity = new ManagerIdentity(manager.Length > 0 ? manager : "unknown", ManagerIdentity.Update, apiVersion, subresource);
            managed = RecordUpdate(comparison, managed, identity, filter, now);
            CapUpdateManagers(managed);
        }
        SetManagedFields(updated, managed);
    }

    private static ManagedFields DecodeLiveOrNew(JsonObject? liveMetadata, JsonNode? requested, bool isSubresource)
    {
        var stored = liveMetadata?["managedFields"];
        // A subresource write cannot set managed fields; a main-resource write may (empty list: reset). A write that
        // carries the stored list unchanged (a client sending back what it read) is the common case.
        if (!isSubresource && requested is not null && !JsonTree.DeepEquals(requested, stored))
        {
            if (ManagedFields.IsReset(requested))
            {
                return ManagedFields.Empty();
            }
            try
            {
                var decoded = ManagedFields.Decode(requested);
                if (!decoded.IsEmpty)
                {
                    return decoded;
                }
            }
            catch (FormatException)
            {
                // Unreadable: the live object's are kept, so a client that does not understand them cannot lose them.
            }
        }
        try
        {
            // Written by this store: each entry's fields are read only if the write concerns them.
            return ManagedFields.Decode(stored, checkFields: false);
        }
        catch (FormatException)
        {
            return ManagedFields.Empty();
        }
    }

    /// <summary>The managed fields after <paramref name="identity"/> made the changes of <paramref name="comparison"/>.</summary>
    private ManagedFields RecordUpdate(Comparison comparison, ManagedFields managed, ManagerIdentity identity, FieldFilter filter, string? now)
    {
        if (comparison.IsSame)
        {
            return managed;
        }
        managed = managed.Clone();
        TakeFromOthers(managed, comparison, identity);
        var changed = filter.Apply(comparison.Modified.Union(comparison.Added)).Difference(StrippedFields);
        // The writer's own entry loses what went and gains what it changed (stamped with the time of the change).
        var previous = managed[identity];
        var kept = previous is null ? null : previous.Fields.Difference(comparison.Removed);
        if (changed.IsEmpty)
        {
            if (previous is not null && kept!.Count != previous.Fields.Count)
            {
                managed.Set(identity, kept.IsEmpty ? null : previous.With(kept, previous.Time));
            }
        }
        else if (previous is not null && kept!.Count == previous.Fields.Count && changed.Difference(kept).IsEmpty)
        {
            // Values of fields it already owns (a kubelet's status updates): only the time moves.
            managed.Set(identity, previous.WithTime(now ?? previous.Time));
        }
        else
        {
            var fields = kept is null ? changed : changed.Union(kept);
            managed.Set(identity, new ManagedFieldsEntry(identity, apiVersion, now ?? previous?.Time, fields));
        }
        return managed;
    }

    private Comparison CompareFiltered(JsonObject before, JsonObject after, FieldFilter filter) =>
        TypedValue.Compare(before, after, Type, filter.OnlyTopLevelField, filter.SkippedTopLevelField).Filter(filter);

    /// <summary>
    /// Structured-merge-diff's <c>update</c>: every manager but <paramref name="except"/> loses the changed fields it
    /// owned (returned as conflicts) and the removed ones; managers left with nothing go.
    /// </summary>
    private static List<(ManagerIdentity, FieldPath)> TakeFromOthers(ManagedFields managed, Comparison comparison, ManagerIdentity? except)
    {
        var conflicts = new List<(ManagerIdentity, FieldPath)>();
        var changed = comparison.Modified.Union(comparison.Added);
        // Entries that own nothing under the changed top-level fields are left unread.
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in new[] { changed, comparison.Removed })
        {
            touched.UnionWith(set.Members.Concat(set.Children.Select(c => c.Key)).Select(e => e.Serialize()));
        }
        foreach (var (identity, entry) in managed.Entries.OrderBy(e => e.Key.Key, StringComparer.Ordinal).ToList())
        {
            if (identity == except || !entry.MayOwnUnder(touched))
            {
                continue;
            }
            var conflicting = entry.Fields.Intersection(changed);
            conflicts.AddRange(conflicting.Paths().Select(p => (identity, p)));
            var remaining = entry.Fields.Difference(conflicting).Difference(comparison.Removed);
            if (remaining.IsEmpty)
            {
                managed.Set(identity, null);
            }
            else if (!conflicting.IsEmpty || remaining.Count != entry.Fields.Count)
            {
                managed.Set(identity, entry.With(remaining, entry.Time));
            }
        }
        return conflicts;
    }

    /// <summary>Merges the oldest Update entries into <c>ancient-changes</c> buckets (one per API version) beyond <see cref="MaxUpdateManagers"/>.</summary>
    private static void CapUpdateManagers(ManagedFields managed)
    {
        var updaters = managed.Entries.Where(e => !e.Key.IsApply).Select(e => e.Key).ToList();
        if (updaters.Count <= MaxUpdateManagers)
        {
            return;
        }
        updaters.Sort((p, q) =>
        {
            var byTime = Seconds(managed[p]!.Time).CompareTo(Seconds(managed[q]!.Time));
            return byTime != 0 ? byTime : string.CompareOrdinal(p.Key, q.Key);
        });
        var firstOfVersion = new Dictionary<string, ManagerIdentity>(StringComparer.Ordinal);
        var length = updaters.Count;
        for (var i = 0; i < updaters.Count && length > MaxUpdateManagers; i++)
        {
            var identity = updaters[i];
            var entry = managed[identity]!;
            var version = entry.ApiVersion;
            var bucket = new ManagerIdentity(AncientChanges, ManagerIdentity.Update, version, "");
            if (firstOfVersion.TryGetValue(version, out var first))
            {
                if (managed[bucket] is null)
                {
                    var firstEntry = managed[first]!;
                    managed.Set(first, null);
                    managed.Set(bucket, firstEntry.As(bucket, firstEntry.Time));
                }
                var merged = managed[bucket]!;
                managed.Set(bucket, new ManagedFieldsEntry(bucket, version, entry.Time, entry.Fields.Union(merged.Fields)));
                managed.Set(identity, null);
                length--;
            }
            else
            {
                firstOfVersion[version] = identity;
            }
        }
    }

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeSeconds()
            : 0;

    private static void SetManagedFields(JsonObject obj, ManagedFields managed)
    {
        var metadata = obj["metadata"] as JsonObject;
        if (metadata is null)
        {
            obj["metadata"] = metadata = [];
        }
        if (managed.Encode() is { } encoded)
        {
            metadata["managedFields"] = encoded;
        }
        else
        {
            metadata.Remove("managedFields");
        }
    }

    /// <summary>
    /// Server-side apply: merges <paramref name="config"/> into <paramref name="live"/> and returns the object to
    /// store, with its managed fields. Fields <paramref name="manager"/> applied before and no longer applies are
    /// removed unless another manager owns them; changing a field another manager owns is a conflict unless
    /// <paramref name="force"/> (then the field changes hands). For the <c>kubectl</c> manager, conflicts with fields
    /// whose live value is the one in the last-applied annotation are forgiven (moving from client-side apply), and
    /// that annotation is kept current.
    /// </summary>
    /// <param name="live">The stored object, or null to create it.</param>
    /// <param name="config">The applied configuration (not changed).</param>
    /// <param name="manager">The field manager.</param>
    /// <param name="force">Take the fields other managers own.</param>
    /// <param name="subresource">The subresource applied to, or empty.</param>
    /// <param name="filter">The fields this write may not own.</param>
    /// <param name="now">The time (RFC 3339).</param>
    /// <exception cref="ApplyConflictException">On conflicts, not forced.</exception>
    /// <exception cref="ApplyException">When the configuration cannot be applied (wrong kind or version, managedFields set, not fitting the schema).</exception>
    public JsonObject Apply(JsonObject? live, JsonObject config, string manager, bool force, string subresource, FieldFilter filter, string now)
    {
        var liveObject = live ?? [];
        ManagedFields managed;
        try
        {
            managed = ManagedFields.Decode(liveObject["metadata"]?["managedFields"]);
        }
        catch (FormatException e)
        {
            throw new ApplyException($"failed to decode managed fields: {e.Message}");
        }
        var configVersion = JsonTree.AsString(config["apiVersion"]);
        var configKind = JsonTree.AsString(config["kind"]);
        if (configVersion != apiVersion || configKind != kind)
        {
            throw new ApplyException($"invalid object type: {GroupVersionKind(configVersion, configKind)}", 400);
        }
        if (config["metadata"] is JsonObject configMetadata && configMetadata.TryGetPropertyValue("managedFields", out var requested) && requested is not null)
        {
            throw new ApplyException("metadata.managedFields must be nil", 400);
        }
        var errors = new List<string>();
        var applied = TypedValue.ToFieldSet(config, Type, errors);
        if (errors.Count > 0)
        {
            var name = JsonTree.GetString(config, "metadata", "name") ?? "";
            var ns = JsonTree.GetString(config, "metadata", "namespace") ?? "";
            var detail = errors.Count == 1 ? errors[0] : "errors:\n" + string.Join("\n", errors.Select(e => "  " + e));
            throw new ApplyException($"failed to create typed patch object ({ns}/{name}; {GroupVersionKind(configVersion, configKind)}): {detail}");
        }
        var identity = new ManagerIdentity(manager, ManagerIdentity.Apply, "", subresource);
        if (managed.IsEmpty && live is not null)
        {
            // An object nobody tracked: what it holds is recorded as changed before the first apply.
            managed = RecordUpdate(CompareFiltered([], liveObject, filter), managed,
                new ManagerIdentity(BeforeFirstApply, ManagerIdentity.Update, apiVersion, subresource), filter, now);
        }
        JsonObject result;
        try
        {
            result = ApplyStructured(liveObject, config, applied, managed, identity, force, filter, now);
        }
        catch (ApplyConflictException conflict) when (manager == KubectlManager && !force)
        {
            // Moving from client-side apply: fields whose live value is the last-applied one may be taken.
            if (AllowedFromLastApplied(liveObject) is not { } allowed)
            {
                throw;
            }
            var remaining = conflict.Conflicts.Where(c => !allowed.Has(c.Field)).ToList();
            if (remaining.Count > 0)
            {
                throw new ApplyConflictException(remaining);
            }
            result = ApplyStructured(liveObject, config, applied, managed, identity, force: true, filter, now);
        }
        if (manager == KubectlManager && JsonTree.GetString(result, "metadata", "annotations", LastAppliedAnnotation) is { Length: > 0 })
        {
            UpdateLastApplied(result, config);
        }
        return result;
    }

    private JsonObject ApplyStructured(JsonObject live, JsonObject config, FieldSet applied, ManagedFields managed, ManagerIdentity identity, bool force, FieldFilter filter, string now)
    {
        managed = managed.Clone();
        var bareLive = (JsonObject)live.DeepClone();
        (bareLive["metadata"] as JsonObject)?.Remove("managedFields");
        var merged = TypedValue.Merge(bareLive, config, Type);
        var lastSet = managed[identity]?.Fields;
        var set = filter.Apply(applied);
        managed.Set(identity, new ManagedFieldsEntry(identity, apiVersion, managed[identity]?.Time, set));
        var pruned = Prune(merged, managed, identity, lastSet);
        var comparison = CompareFiltered(bareLive, pruned, filter);
        var conflicts = TakeFromOthers(managed, comparison, identity);
        if (conflicts.Count > 0 && !force)
        {
            throw new ApplyConflictException(conflicts);
        }
        var changed = !comparison.IsSame || !JsonTree.DeepEquals(bareLive, pruned);
        var entry = managed[identity]!;
        var owned = entry.Fields.Difference(StrippedFields);
        managed.Set(identity, owned.IsEmpty ? null : entry.With(owned, changed ? now : entry.Time));
        var result = changed ? pruned : bareLive;
        SetManagedFields(result, managed);
        return result;
    }

    /// <summary>
    /// Structured-merge-diff's <c>prune</c>: what the manager applied last time and not this time goes, unless another
    /// manager owns it, and except what no applier ever owned (fields only updaters or nobody own stay).
    /// </summary>
    private JsonObject Prune(JsonObject merged, ManagedFields managed, ManagerIdentity identity, FieldSet? lastSet)
    {
        if (lastSet is null || lastSet.IsEmpty)
        {
            return merged;
        }
        var last = TypedValue.EnsureNamedFieldsAreMembers(lastSet, Type);
        var pruned = TypedValue.RemoveItems(merged, last, Type);
        // Add back what any manager (the applier's new configuration included) owns.
        var owned = new FieldSet();
        foreach (var entry in managed.Entries.Values)
        {
            owned = owned.Union(entry.Fields);
        }
        var mergedSet = TypedValue.EnsureNamedFieldsAreMembers(TypedValue.ToFieldSet(merged, Type), Type);
        var prunedSet = TypedValue.EnsureNamedFieldsAreMembers(TypedValue.ToFieldSet(pruned, Type), Type);
        pruned = TypedValue.RemoveItems(merged, mergedSet.Difference(prunedSet.Union(TypedValue.EnsureNamedFieldsAreMembers(owned, Type))), Type);
        // Add back what was removed but the applier did not own last time (dangling items).
        prunedSet = TypedValue.EnsureNamedFieldsAreMembers(TypedValue.ToFieldSet(pruned, Type), Type);
        return TypedValue.RemoveItems(merged, mergedSet.Difference(prunedSet).Intersection(last), Type);
    }

    /// <summary>
    /// The fields of the last-applied annotation whose live value is still the one applied (apimachinery's
    /// <c>allowedConflictsFromLastApplied</c>); null when there is no usable annotation.
    /// </summary>
    private FieldSet? AllowedFromLastApplied(JsonObject live)
    {
        if (JsonTree.GetString(live, "metadata", "annotations", LastAppliedAnnotation) is not { Length: > 0 } text)
        {
            return null;
        }
        JsonObject? lastApplied;
        try
        {
            lastApplied = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
        if (lastApplied is null || JsonTree.AsString(lastApplied["apiVersion"]) != apiVersion)
        {
            return null;
        }
        var errors = new List<string>();
        var set = TypedValue.ToFieldSet(lastApplied, Type, errors);
        if (errors.Count > 0)
        {
            return null;
        }
        var bareLive = (JsonObject)live.DeepClone();
        (bareLive["metadata"] as JsonObject)?.Remove("managedFields");
        var comparison = TypedValue.Compare(lastApplied, bareLive, Type);
        return set.Difference(comparison.Modified).Difference(comparison.Added).Difference(comparison.Removed);
    }

    /// <summary>
    /// Sets the last-applied annotation to the applied configuration (without that annotation), as Go encodes it:
    /// sorted keys, a final newline. Dropped when the annotations would exceed their 256 KiB limit.
    /// </summary>
    private static void UpdateLastApplied(JsonObject result, JsonObject config)
    {
        var copy = (JsonObject)config.DeepClone();
        (copy["metadata"]?["annotations"] as JsonObject)?.Remove(LastAppliedAnnotation);
        var annotations = (JsonObject)result["metadata"]!["annotations"]!;
        annotations[LastAppliedAnnotation] = GoFormat.SortedJson(copy) + "\n";
        var size = annotations.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Key) + System.Text.Encoding.UTF8.GetByteCount(JsonTree.AsString(a.Value) ?? ""));
        if (size > 256 * 1024)
        {
            annotations.Remove(LastAppliedAnnotation);
        }
    }
}
