using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.History;

/// <summary>
/// The generic part of Kubernetes' controller history (<c>pkg/controller/history</c> and the DaemonSet's
/// <c>constructHistory</c>/<c>cleanupHistory</c>): <c>apps/v1 ControllerRevision</c> objects that snapshot a workload's
/// pod template, owned by the workload, named <c>&lt;parent&gt;-&lt;hash&gt;</c>, labelled
/// <c>controller-revision-hash</c>, numbered 1, 2, 3…, and pruned to <c>revisionHistoryLimit</c>. Everything here is a
/// pure function over cached objects: the controller that uses it sends the writes (so they go through its
/// expectations) and reads the results back from its <see cref="ObjectCache"/> of ControllerRevisions.
/// </summary>
/// <remarks>
/// Typical use by a workload controller (DaemonSet, StatefulSet): watch <see cref="ControllerRevisions"/>, call
/// <see cref="AddControllerIndex"/> on its cache, then per sync: <see cref="ControlledBy"/> →
/// <see cref="FindEqual"/> (current revision?) → if none, create <see cref="NewRevision"/> numbered
/// <see cref="NextRevision"/>; else bump the found one's number to <see cref="NextRevision"/> of the others with
/// <see cref="WithRevision"/> when it is lower; finally delete <see cref="ToTruncate"/>.
/// </remarks>
public static class ControllerHistory
{
    /// <summary>The label a revision and the pods made from it carry: <c>controller-revision-hash</c>.</summary>
    public const string HashLabel = "controller-revision-hash";

    /// <summary>
    /// <c>history.ControllerRevisionHashLabel</c>: the label <c>history.NewControllerRevision</c> puts a revision's
    /// hash in (StatefulSet revisions; the DaemonSet controller builds its own with <see cref="HashLabel"/>).
    /// </summary>
    public const string HistoryHashLabel = "controller.kubernetes.io/hash";

    /// <summary>The longest parent-name prefix of a revision name (Kubernetes' <c>ControllerRevisionName</c>).</summary>
    public const int MaxNamePrefixLength = 223;

    /// <summary>The name of the cache index <see cref="AddControllerIndex"/> adds (controller owner uid → revisions).</summary>
    public const string ByControllerIndex = "history-controller";

    /// <summary>The name of the cache index <see cref="AddControllerIndex"/> adds for orphans (namespace → revisions without controller).</summary>
    public const string OrphansIndex = "history-orphans";

    /// <summary><c>apps/v1 ControllerRevision</c>, as the store knows it.</summary>
    public static readonly ResourceType ControllerRevisions = ResourceTypes.Of("apps", "controllerrevisions");

    /// <summary>
    /// Kubernetes' <c>ControllerRevisionName</c>: <c>&lt;prefix&gt;-&lt;hash&gt;</c>, the prefix cut to
    /// <see cref="MaxNamePrefixLength"/> characters so the name stays a valid object name.
    /// </summary>
    public static string RevisionName(string prefix, string hash) =>
        $"{(prefix.Length > MaxNamePrefixLength ? prefix[..MaxNamePrefixLength] : prefix)}-{hash}";

    /// <summary>
    /// Kubernetes' <c>controller.ComputeHash</c>, which DaemonSets (and Deployments) use to name revisions: FNV-32a of
    /// the pod template, with <c>status.collisionCount</c> mixed in when set, rendered with
    /// <c>rand.SafeEncodeString</c>.
    /// </summary>
    /// <param name="template">The workload's (defaulted) <c>spec.template</c>.</param>
    /// <param name="collisionCount">The workload's <c>status.collisionCount</c> (null when unset).</param>
    public static string HashTemplate(JsonNode? template, int? collisionCount) => PodTemplateHash.Compute(template, collisionCount);

    /// <summary>
    /// Kubernetes' <c>history.HashControllerRevision</c>, which StatefulSets use to name revisions: FNV-1 (32 bit) of
    /// the revision's raw <c>data</c> (Go's JSON encoding: sorted keys, compact, HTML characters escaped), then the
    /// decimal collision count when set, rendered with <c>rand.SafeEncodeString</c>.
    /// </summary>
    /// <param name="data">The revision's <c>data</c>.</param>
    /// <param name="collisionCount">The workload's <c>status.collisionCount</c> (null when unset).</param>
    public static string HashRevision(JsonNode? data, int? collisionCount)
    {
        var hash = Fnv1OffsetBasis;
        if (data is not null)
        {
            hash = Fnv1(hash, Encoding.UTF8.GetBytes(GoJson(data)));
        }
        if (collisionCount is { } probe)
        {
            hash = Fnv1(hash, Encoding.UTF8.GetBytes(probe.ToString(CultureInfo.InvariantCulture)));
        }
        return ObjectNames.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A new ControllerRevision (Kubernetes' <c>history.NewControllerRevision</c>, and the DaemonSet's
    /// <c>snapshot</c>): in the parent's namespace, controlled by it, labelled with <paramref name="labels"/> plus
    /// <paramref name="hashLabel"/> = <paramref name="hash"/>, annotated with <paramref name="annotations"/>, named
    /// <see cref="RevisionName"/>(parent, <paramref name="hash"/>).
    /// </summary>
    /// <param name="parent">The owning workload.</param>
    /// <param name="labels">The labels to copy (Kubernetes copies the pod template's labels).</param>
    /// <param name="data">The snapshot (<c>data</c>), copied.</param>
    /// <param name="revision">The revision number.</param>
    /// <param name="hash">The hash naming the revision (<see cref="HashTemplate"/> or <see cref="HashRevision"/>).</param>
    /// <param name="annotations">Annotations to copy (DaemonSets copy their own; StatefulSets none).</param>
    /// <param name="hashLabel">
    /// The label holding the hash: <see cref="HashLabel"/> (<c>controller-revision-hash</c>) for a DaemonSet's
    /// <c>snapshot</c>; <see cref="HistoryHashLabel"/> for <c>history.NewControllerRevision</c> (StatefulSets).
    /// </param>
    public static JsonObject NewRevision(KubeObject parent, IReadOnlyDictionary<string, string> labels, JsonNode data, long revision, string hash,
        IReadOnlyDictionary<string, string>? annotations = null, string hashLabel = HashLabel)
    {
        var revisionLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal) { [hashLabel] = hash };
        var metadata = new JsonObject
        {
            ["name"] = RevisionName(parent.Name ?? "", hash),
            ["namespace"] = parent.Namespace,
            ["labels"] = JsonTree.ToObject(revisionLabels.OrderBy(l => l.Key, StringComparer.Ordinal)),
        };
        if (annotations is { Count: > 0 })
        {
            metadata["annotations"] = JsonTree.ToObject(annotations);
        }
        metadata["ownerReferences"] = new JsonArray(ControllerReference(parent).ToJson());
        return new JsonObject
        {
            ["apiVersion"] = ControllerRevisions.ApiVersion,
            ["kind"] = "ControllerRevision",
            ["metadata"] = metadata,
            ["data"] = data.DeepClone(),
            ["revision"] = revision,
        };
    }

    /// <summary>The controller reference a revision carries to its workload (<c>metav1.NewControllerRef</c>).</summary>
    public static OwnerReference ControllerReference(KubeObject parent) =>
        new(parent.ApiVersion, parent.Kind, parent.Name ?? "", parent.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>
    /// Adds to a ControllerRevision cache the indexes <see cref="ControlledBy"/> and <see cref="Claim"/> read: by
    /// controller uid, and orphans by namespace.
    /// </summary>
    public static void AddControllerIndex(ObjectCache revisions)
    {
        revisions.AddControllerIndex(ByControllerIndex);
        revisions.AddOrphanIndex(OrphansIndex);
    }

    /// <summary>
    /// The revisions controlled by <paramref name="parent"/> (not being deleted), sorted as
    /// <see cref="Sort"/> does. The cache needs <see cref="AddControllerIndex"/>.
    /// </summary>
    public static List<KubeObject> ControlledBy(ObjectCache revisions, KubeObject parent)
    {
        var list = revisions.ByIndex(ByControllerIndex, parent.Uid ?? "").Select(c => c.Object).Where(r => r.DeletionTimestamp is null).ToList();
        Sort(list);
        return list;
    }

    /// <summary>
    /// What <c>ClaimControllerRevisions</c> would change: orphan revisions in the parent's namespace that the selector
    /// matches are adopted (not while the parent is being deleted), controlled ones it no longer matches are released.
    /// Returns the objects to write (copies with the reference added or removed). The cache needs
    /// <see cref="AddControllerIndex"/>.
    /// </summary>
    public static List<JsonObject> Claim(ObjectCache revisions, KubeObject parent, LabelSelector selector)
    {
        var writes = new List<JsonObject>();
        var uid = parent.Uid ?? "";
        foreach (var cached in revisions.ByIndex(ByControllerIndex, uid))
        {
            var revision = cached.Object;
            if (!selector.Matches(revision) && revision.DeletionTimestamp is null && parent.DeletionTimestamp is null)
            {
                var released = revision.DeepClone();
                released.SetOwnerReferences(revision.OwnerReferences.Where(r => r.Uid != uid));
                writes.Add(released.Document);
            }
        }
        if (parent.DeletionTimestamp is not null || selector.IsEmpty)
        {
            return writes;
        }
        foreach (var cached in revisions.ByIndex(OrphansIndex, parent.Namespace ?? ""))
        {
            var revision = cached.Object;
            if (revision.DeletionTimestamp is null && selector.Matches(revision))
            {
                var adopted = revision.DeepClone();
                adopted.SetOwnerReferences([.. revision.OwnerReferences, ControllerReference(parent)]);
                writes.Add(adopted.Document);
            }
        }
        return writes;
    }

    /// <summary>A revision's <c>revision</c> number (0 when missing).</summary>
    public static long RevisionNumber(KubeObject revision) => JsonTree.GetInt(revision.Document, "revision") ?? 0;

    /// <summary>A revision's <c>data</c>.</summary>
    public static JsonNode? Data(KubeObject revision) => revision.Document["data"];

    /// <summary>A revision's <see cref="HashLabel"/> (null when missing).</summary>
    public static string? Hash(KubeObject revision) => revision.Labels.GetValueOrDefault(HashLabel);

    /// <summary>Kubernetes' <c>SortControllerRevisions</c>: by revision number, then creation time, then name.</summary>
    public static void Sort(List<KubeObject> revisions) =>
        revisions.Sort((a, b) =>
        {
            var byRevision = RevisionNumber(a).CompareTo(RevisionNumber(b));
            if (byRevision != 0)
            {
                return byRevision;
            }
            var byCreation = Nullable.Compare(a.CreationTimestamp, b.CreationTimestamp);
            return byCreation != 0 ? byCreation : string.CompareOrdinal(a.Name, b.Name);
        });

    /// <summary>
    /// The number the next revision gets (Kubernetes' <c>nextRevision</c>/<c>maxRevision + 1</c>): one more than the
    /// highest of <paramref name="revisions"/>, 1 when there are none.
    /// </summary>
    public static long NextRevision(IEnumerable<KubeObject> revisions) => revisions.Select(RevisionNumber).DefaultIfEmpty(0).Max() + 1;

    /// <summary>
    /// Kubernetes' <c>EqualRevision</c>: false when both carry different hash labels, else true when their
    /// <c>data</c> are equal (as JSON values: key order and absent-vs-null are ignored).
    /// </summary>
    public static bool EqualRevision(KubeObject a, KubeObject b)
    {
        if (Hash(a) is { } hashA && Hash(b) is { } hashB && hashA != hashB)
        {
            return false;
        }
        return DataEquals(Data(a), Data(b));
    }

    /// <summary>True when two revision <c>data</c> snapshots are the same (compared as Go compares the raw bytes it wrote: sorted keys, nulls dropped).</summary>
    public static bool DataEquals(JsonNode? a, JsonNode? b) => GoJson(a) == GoJson(b);

    /// <summary>The revisions whose <c>data</c> equals <paramref name="data"/> (Kubernetes' <c>FindEqualRevisions</c> / the DaemonSet's <c>Match</c>), in the given order.</summary>
    public static List<KubeObject> FindEqual(IEnumerable<KubeObject> revisions, JsonNode? data)
    {
        var wanted = GoJson(data);
        return revisions.Where(r => GoJson(Data(r)) == wanted).ToList();
    }

    /// <summary>A copy of a revision with another revision number (for the update that renumbers a reused revision).</summary>
    public static JsonObject WithRevision(KubeObject revision, long number)
    {
        var copy = (JsonObject)revision.Document.DeepClone();
        copy["revision"] = number;
        return copy;
    }

    /// <summary>
    /// The old revisions to delete so that at most <paramref name="historyLimit"/> remain (the DaemonSet's
    /// <c>cleanupHistory</c>, the StatefulSet's <c>truncateHistory</c>): oldest (lowest revision) first, never one whose
    /// hash a live pod still carries (<paramref name="liveHashes"/>).
    /// </summary>
    /// <param name="old">The controlled revisions other than the current (and update) revision.</param>
    /// <param name="historyLimit"><c>spec.revisionHistoryLimit</c>.</param>
    /// <param name="liveHashes">The <see cref="HashLabel"/> values of the workload's pods.</param>
    public static List<KubeObject> ToTruncate(IEnumerable<KubeObject> old, int historyLimit, IReadOnlySet<string> liveHashes)
    {
        var sorted = old.ToList();
        Sort(sorted);
        var toKill = sorted.Count - Math.Max(0, historyLimit);
        var victims = new List<KubeObject>();
        foreach (var revision in sorted)
        {
            if (toKill <= 0)
            {
                break;
            }
            if (Hash(revision) is { } hash && liveHashes.Contains(hash))
            {
                continue;
            }
            victims.Add(revision);
            toKill--;
        }
        return victims;
    }

    /// <summary>
    /// The JSON Go's <c>encoding/json</c> writes for a value decoded into <c>map[string]interface{}</c>: compact,
    /// object keys sorted, null-valued keys dropped (Kubernetes marshals structs, where they are absent), and
    /// <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, U+2028 and U+2029 escaped. What revision data is compared and hashed as.
    /// </summary>
    public static string GoJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteGo(sb, node);
        return sb.ToString();
    }

    private const uint Fnv1OffsetBasis = 2166136261;
    private const uint Fnv1Prime = 16777619;

    // FNV-1 (multiply, then xor), as Go's hash/fnv New32: HashControllerRevision uses it, not FNV-1a.
    private static uint Fnv1(uint hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = unchecked(hash * Fnv1Prime) ^ b;
        }
        return hash;
    }

    private static void WriteGo(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    WriteGoString(sb, key);
                    sb.Append(':');
                    WriteGo(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    WriteGo(sb, array[i]);
                }
                sb.Append(']');
                break;
            default:
                if (node.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    WriteGoString(sb, JsonTree.AsString(node) ?? "");
                }
                else
                {
                    sb.Append(JsonTree.ToCompactJson(node));
                }
                break;
        }
    }

    private static void WriteGoString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
