using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of <c>metadata</c> (Kubernetes' <c>ValidateObjectMeta</c> and <c>ValidateObjectMetaUpdate</c>).</summary>
public static class MetadataValidation
{
    /// <summary>Largest total size of all annotation keys and values (256 KiB).</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    /// <summary>Name syntax messages for a name (or, with <paramref name="prefix"/>, a generateName prefix).</summary>
    public static List<string> NameErrors(NameRule rule, string name, bool prefix)
    {
        // A generateName prefix may end in '-' since a random suffix follows.
        if (prefix && name.EndsWith('-'))
        {
            name = name[..^1] + "a";
        }
        return rule switch
        {
            NameRule.Dns1123Label => NameSyntax.IsDns1123Label(name),
            NameRule.Dns1035Label => NameSyntax.IsDns1035Label(name),
            NameRule.PathSegment => PathSegmentErrors(name, prefix),
            NameRule.IPAddress => NetworkAddressValidation.IPAddressNameErrors(name),
            _ => NameSyntax.IsDns1123Subdomain(name),
        };
    }

    // path.IsValidPathSegmentName / IsValidPathSegmentPrefix: a prefix only may not contain '/' or '%'.
    private static List<string> PathSegmentErrors(string name, bool prefix)
    {
        var errors = new List<string>();
        if (!prefix && name is "." or "..")
        {
            errors.Add($"may not be '{name}'");
        }
        foreach (var illegal in new[] { "/", "%" })
        {
            if (name.Contains(illegal, StringComparison.Ordinal))
            {
                errors.Add($"may not contain '{illegal}'");
            }
        }
        return errors;
    }

    /// <summary>Validates metadata on create (name or generateName, namespace scope, labels, annotations, owners, finalizers).</summary>
    public static void Validate(KubeObject obj, KindInfo kind, List<FieldError> errors)
    {
        var generateName = obj.GenerateName;
        if (!string.IsNullOrEmpty(generateName))
        {
            foreach (var message in NameErrors(kind.NameRule, generateName, prefix: true))
            {
                errors.Add(FieldError.Invalid("metadata.generateName", generateName, message));
            }
        }
        var name = obj.Name;
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            foreach (var message in NameErrors(kind.NameRule, name, prefix: false))
            {
                errors.Add(FieldError.Invalid("metadata.name", name, message));
            }
        }
        var ns = obj.Namespace;
        if (kind.Namespaced)
        {
            if (string.IsNullOrEmpty(ns))
            {
                errors.Add(FieldError.Required("metadata.namespace"));
            }
            else
            {
                foreach (var message in NameSyntax.IsDns1123Label(ns))
                {
                    errors.Add(FieldError.Invalid("metadata.namespace", ns, message));
                }
            }
        }
        else if (!string.IsNullOrEmpty(ns))
        {
            errors.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }
        if (obj.Generation is < 0 and var generation)
        {
            errors.Add(FieldError.Invalid("metadata.generation", generation, "must be greater than or equal to 0"));
        }
        LabelValidation.ValidateLabels(JsonTree.Get(obj.Document, "metadata", "labels"), "metadata.labels", errors);
        LabelValidation.ValidateAnnotations(JsonTree.Get(obj.Document, "metadata", "annotations"), "metadata.annotations", errors);
        ValidateOwnerReferences(JsonTree.GetArray(obj.Document, "metadata", "ownerReferences"), errors);
        ValidateFinalizers(JsonTree.GetArray(obj.Document, "metadata", "finalizers"), errors);
    }

    /// <summary>Validates what an update may not change in metadata, plus the create rules that still apply.</summary>
    public static void ValidateUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        Immutable(updated.Name, old.Name, "metadata.name", errors);
        Immutable(updated.Namespace, old.Namespace, "metadata.namespace", errors);
        Immutable(updated.Uid, old.Uid, "metadata.uid", errors);
        Immutable(JsonTree.GetString(updated.Document, "metadata", "creationTimestamp"), JsonTree.GetString(old.Document, "metadata", "creationTimestamp"), "metadata.creationTimestamp", errors);
        if (old.DeletionTimestamp is not null)
        {
            var added = updated.Finalizers.Except(old.Finalizers).ToList();
            if (added.Count > 0)
            {
                errors.Add(FieldError.Forbidden("metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new finalizers " + JsonTree.ToCompactJson(new JsonArray(added.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()))));
            }
        }
        LabelValidation.ValidateLabels(JsonTree.Get(updated.Document, "metadata", "labels"), "metadata.labels", errors);
        LabelValidation.ValidateAnnotations(JsonTree.Get(updated.Document, "metadata", "annotations"), "metadata.annotations", errors);
        ValidateOwnerReferences(JsonTree.GetArray(updated.Document, "metadata", "ownerReferences"), errors);
        ValidateFinalizers(JsonTree.GetArray(updated.Document, "metadata", "finalizers"), errors);
    }

    /// <summary>Adds <c>field is immutable</c> when two string values differ.</summary>
    public static void Immutable(string? updated, string? old, string path, List<FieldError> errors)
    {
        if ((updated ?? "") != (old ?? ""))
        {
            errors.Add(FieldError.Invalid(path, updated ?? "", "field is immutable"));
        }
    }

    /// <summary>Adds <c>field is immutable</c> when two JSON values differ (the new value is printed).</summary>
    public static void Immutable(JsonNode? updated, JsonNode? old, string path, List<FieldError> errors)
    {
        if (!JsonTree.DeepEquals(updated, old))
        {
            errors.Add(FieldError.Invalid(path, updated, "field is immutable"));
        }
    }

    private static void ValidateOwnerReferences(JsonArray? references, List<FieldError> errors)
    {
        var controllers = new List<string>();
        var i = 0;
        foreach (var reference in JsonTree.Objects(references))
        {
            var path = $"metadata.ownerReferences[{i++}]";
            var apiVersion = JsonTree.GetString(reference, "apiVersion") ?? "";
            var kind = JsonTree.GetString(reference, "kind") ?? "";
            if (apiVersion.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
            }
            if (kind.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".kind", kind, "kind must not be empty"));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(reference, "name")))
            {
                errors.Add(FieldError.Invalid(path + ".name", "", "name must not be empty"));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(reference, "uid")))
            {
                errors.Add(FieldError.Invalid(path + ".uid", "", "uid must not be empty"));
            }
            if (JsonTree.GetBool(reference, "controller") == true)
            {
                controllers.Add($"{kind}/{JsonTree.GetString(reference, "name")}");
            }
        }
        if (controllers.Count > 1)
        {
            errors.Add(FieldError.Invalid("metadata.ownerReferences", references,
                "Only one reference can have Controller set to true. Found \"true\" in references for " + string.Join(" and ", controllers)));
        }
    }

    private static void ValidateFinalizers(JsonArray? finalizers, List<FieldError> errors)
    {
        if (finalizers is null)
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < finalizers.Count; i++)
        {
            var finalizer = JsonTree.AsString(finalizers[i]) ?? "";
            foreach (var message in NameSyntax.IsQualifiedName(finalizer))
            {
                errors.Add(FieldError.Invalid($"metadata.finalizers[{i}]", finalizer, message));
            }
            if (!seen.Add(finalizer))
            {
                errors.Add(FieldError.Duplicate($"metadata.finalizers[{i}]", JsonValue.Create(finalizer)));
            }
        }
    }
}
