using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes;

/// <summary>
/// What the API server does to an incoming object before validating a write (<c>rest.BeforeCreate</c>,
/// <c>rest.BeforeUpdate</c> and the kinds' <c>PrepareForUpdate</c>): system metadata kept from the live
/// object, status or spec ignored depending on the endpoint, and <c>metadata.generation</c> bumped only on
/// spec changes.
/// </summary>
public static class UpdateRules
{
    private static readonly HashSet<(string Group, string Kind)> GenerationKinds =
    [
        ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
        ("batch", "Job"), ("batch", "CronJob"), ("", "Pod"),
    ];

    /// <summary>True for kinds whose strategy maintains <c>metadata.generation</c> (workloads and, since 1.34, pods).</summary>
    public static bool TracksGeneration(KindInfo kind) => GenerationKinds.Contains((kind.Group, kind.Kind));

    /// <summary>
    /// Prepares an object for create: clears the status of kinds with a status subresource (except Nodes, which
    /// kubelets register with their status; initial statuses such as phase Pending or Active come from
    /// defaulting and <see cref="Defaulting.CreateDefaults"/>), drops deletion fields, and sets generation 1
    /// for kinds that track it.
    /// </summary>
    public static void PrepareForCreate(KubeObject obj, KindInfo kind)
    {
        if (kind.HasStatus && kind.Kind != "Node")
        {
            obj.Document.Remove("status");
        }
        obj.DeletionTimestamp = null;
        obj.DeletionGracePeriodSeconds = null;
        obj.Generation = TracksGeneration(kind) ? 1 : null;
        PrepareTemplateGeneration(obj, null, kind);
    }

    /// <summary>
    /// Prepares a main-resource update (PUT or PATCH without a subresource): uid, creationTimestamp, deletion
    /// fields and generation come from the live object; status too when the kind has a status subresource;
    /// generation is bumped when the spec changed.
    /// </summary>
    public static void PrepareForUpdate(KubeObject updated, KubeObject old, KindInfo kind)
    {
        CopySystemMetadata(updated, old);
        if (kind.HasStatus)
        {
            if (old.Document["status"] is { } status)
            {
                updated.Document["status"] = status.DeepClone();
            }
            else
            {
                updated.Document.Remove("status");
            }
        }
        if (TracksGeneration(kind))
        {
            var generation = old.Generation ?? 1;
            updated.Generation = SpecChanged(updated, old) ? generation + 1 : generation;
        }
        PrepareTemplateGeneration(updated, old, kind);
    }

    /// <summary>The DaemonSet annotation holding the internal <c>spec.templateGeneration</c> in apps/v1.</summary>
    public const string DaemonSetTemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    /// <summary>
    /// The DaemonSet strategy's template generation (kept in apps/v1 as the
    /// <see cref="DaemonSetTemplateGenerationAnnotation"/> annotation): on create the client's value when it is at
    /// least 1, else 1; on update the stored value, plus one when <c>spec.template</c> changed, whatever the client
    /// sent. Other kinds are left alone; <paramref name="old"/> is null on create.
    /// </summary>
    public static void PrepareTemplateGeneration(KubeObject obj, KubeObject? old, KindInfo kind)
    {
        if (kind.Group != "apps" || kind.Kind != "DaemonSet")
        {
            return;
        }
        long generation;
        if (old is null)
        {
            generation = Math.Max(TemplateGeneration(obj), 1);
        }
        else
        {
            generation = TemplateGeneration(old);
            if (!JsonTree.DeepEquals(obj.Document["spec"]?["template"], old.Document["spec"]?["template"]))
            {
                generation++;
            }
        }
        JsonTree.Ensure(obj.Metadata, "annotations")[DaemonSetTemplateGenerationAnnotation] = generation.ToString(CultureInfo.InvariantCulture);
    }

    // The apps/v1 conversion reads the annotation into spec.templateGeneration; absent (or unreadable) counts as 0.
    private static long TemplateGeneration(KubeObject daemonSet) =>
        daemonSet.Metadata["annotations"]?[DaemonSetTemplateGenerationAnnotation] is JsonValue value
        && value.TryGetValue<string>(out var text)
        && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation) ? generation : 0;

    /// <summary>
    /// Prepares a <c>status</c> subresource update: the result is the live object with only <c>status</c>
    /// taken from the request.
    /// </summary>
    public static KubeObject PrepareStatusUpdate(KubeObject request, KubeObject old)
    {
        var result = old.DeepClone();
        if (request.Document["status"] is { } status)
        {
            result.Document["status"] = status.DeepClone();
        }
        else
        {
            result.Document.Remove("status");
        }
        return result;
    }

    /// <summary>True when the spec differs (kinds without <c>spec</c> compare every top-level field but metadata and status).</summary>
    public static bool SpecChanged(KubeObject updated, KubeObject old)
    {
        if (updated.Document.ContainsKey("spec") || old.Document.ContainsKey("spec"))
        {
            return !JsonTree.DeepEquals(updated.Document["spec"], old.Document["spec"]);
        }
        static JsonObject Body(KubeObject o) => new(o.Document
            .Where(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind"))
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        return !JsonTree.DeepEquals(Body(updated), Body(old));
    }

    private static void CopySystemMetadata(KubeObject updated, KubeObject old)
    {
        if (string.IsNullOrEmpty(updated.Uid))
        {
            updated.Uid = old.Uid;
        }
        if (old.Metadata["creationTimestamp"] is { } created)
        {
            updated.Metadata["creationTimestamp"] = created.DeepClone();
        }
        if (old.Metadata["deletionTimestamp"] is { } deleting)
        {
            updated.Metadata["deletionTimestamp"] = deleting.DeepClone();
        }
        if (old.DeletionGracePeriodSeconds is { } grace && updated.DeletionGracePeriodSeconds is null)
        {
            updated.DeletionGracePeriodSeconds = grace;
        }
        updated.Generation = old.Generation;
    }
}
