using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of Pod objects (spec on create; what an update may change).</summary>
public static class PodValidation
{
    /// <summary>The detail of the Forbidden error for a pod update that changes an immutable field.</summary>
    public const string UpdateForbiddenDetail =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    /// <summary>Validates a pod's spec; pods (not templates) also reject images with surrounding whitespace.</summary>
    public static void Validate(KubeObject pod, List<FieldError> errors)
    {
        PodSpecValidation.ValidateSpec(pod.Spec ?? new JsonObject(), "spec", errors);
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var i = 0;
            foreach (var container in JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", list)))
            {
                var image = JsonTree.GetString(container, "image") ?? "";
                if (image.Length > 0 && image.Trim().Length != image.Length)
                {
                    errors.Add(FieldError.Invalid($"spec.{list}[{i}].image", image, "must not have leading or trailing whitespace"));
                }
                i++;
            }
        }
    }

    /// <summary>
    /// Pod updates may only change container images, activeDeadlineSeconds (not unset, not raised),
    /// and add tolerations; binding (<c>spec.nodeName</c>) goes through the binding subresource, not here.
    /// </summary>
    public static void ValidateUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        PodSpecValidation.ValidateSpec(updated.Spec ?? new JsonObject(), "spec", errors);
        var newSpec = (updated.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        var oldSpec = (old.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        foreach (var spec in new[] { newSpec, oldSpec })
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var container in JsonTree.Objects(spec[list] as JsonArray))
                {
                    container.Remove("image");
                }
            }
            spec.Remove("activeDeadlineSeconds");
        }
        var oldTolerations = oldSpec["tolerations"] as JsonArray ?? [];
        var newTolerations = newSpec["tolerations"] as JsonArray ?? [];
        var additionsOnly = oldTolerations.All(o => newTolerations.Any(n => JsonTree.DeepEquals(n, o)));
        if (additionsOnly)
        {
            newSpec.Remove("tolerations");
            oldSpec.Remove("tolerations");
        }
        if (!JsonTree.DeepEquals(newSpec, oldSpec))
        {
            errors.Add(FieldError.Forbidden("spec", UpdateForbiddenDetail));
        }
        if (JsonTree.GetInt(old.Document, "spec", "activeDeadlineSeconds") is { } oldDeadline)
        {
            var newDeadline = JsonTree.GetInt(updated.Document, "spec", "activeDeadlineSeconds");
            if (newDeadline is null)
            {
                errors.Add(FieldError.Invalid("spec.activeDeadlineSeconds", (JsonNode?)null, "must not update from a positive integer to nil value"));
            }
            else if (newDeadline > oldDeadline)
            {
                errors.Add(FieldError.Invalid("spec.activeDeadlineSeconds", newDeadline.Value, "must be less than or equal to previous value"));
            }
        }
    }
}
