using System.Text;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// Which objects a list returns, as data rather than code: a list crosses processes to the store when it runs as a
/// cluster singleton, and only values travel. The selectors are in their query-string forms
/// (<c>?labelSelector=</c>, <c>?fieldSelector=</c>) and the store evaluates them.
/// </summary>
/// <param name="Labels">A label selector (<c>app=web,tier!=db</c>); null or empty: any labels.</param>
/// <param name="Fields">A field selector (<c>spec.nodeName=node-1</c>); null or empty: any fields.</param>
/// <param name="DeletingOnly">Only objects with a <c>metadata.deletionTimestamp</c>.</param>
public sealed record ObjectSelector(string? Labels = null, string? Fields = null, bool DeletingOnly = false)
{
    /// <summary>Objects being deleted (the namespace controller's relist).</summary>
    public static ObjectSelector Deleting { get; } = new(DeletingOnly: true);

    /// <summary>The selector as a predicate over stored objects.</summary>
    /// <exception cref="SelectorParseException">A selector does not parse.</exception>
    public Func<StoredObject, bool> Compile()
    {
        var labels = string.IsNullOrWhiteSpace(Labels) ? null : LabelSelector.Parse(Labels);
        var fields = string.IsNullOrWhiteSpace(Fields) ? null : FieldSelector.Parse(Fields);
        var deletingOnly = DeletingOnly;
        // Fields need the object parsed: a string field's required value must appear in the JSON, and a byte search
        // for it first rules most objects out (a kubelet's relist of its node's pods scans every pod of the cluster).
        var required = fields?.Terms.Where(t => !t.Negated && t.Field is "spec.nodeName" or "metadata.name" && t.Value.Length > 0 && t.Value.All(IsPlain))
            .Select(t => Encoding.UTF8.GetBytes("\"" + t.Value + "\"")).ToArray() ?? [];
        return obj => (!deletingOnly || obj.IsDeleting)
            && (labels is null || labels.Matches(obj.Labels))
            && (fields is null || (required.All(r => obj.Json.AsSpan().IndexOf(r) >= 0) && fields.Matches(new KubeObject(obj.ToJsonObject()))));
    }

    // Characters JSON writes as they are (no escape): a value made of them appears verbatim between quotes.
    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':';
}
