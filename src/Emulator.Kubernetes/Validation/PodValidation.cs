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
        if (JsonTree.GetArray(pod.Document, "spec", "ephemeralContainers") is { Count: > 0 })
        {
            // Only the ephemeralcontainers subresource adds them, to a pod that runs.
            errors.Add(FieldError.Forbidden("spec.ephemeralContainers", "cannot be set on create"));
        }
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
    /// The fields an ephemeral container may set (Kubernetes' allow-list: ephemeral containers are not relied on for
    /// the pod's service, so ports, probes, lifecycle hooks and resources are refused).
    /// </summary>
    private static readonly HashSet<string> EphemeralContainerFields = new(StringComparer.Ordinal)
    {
        "name", "image", "command", "args", "workingDir", "envFrom", "env", "volumeMounts", "volumeDevices",
        "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce",
        "tty", "targetContainerName",
    };

    /// <summary>
    /// Validates a write to the <c>ephemeralcontainers</c> subresource (<c>ValidatePodEphemeralContainersUpdate</c>):
    /// the ephemeral containers as containers (names unique across every container of the pod) with the allow-list of
    /// fields and a target that exists; existing ephemeral containers may be neither removed nor changed.
    /// </summary>
    public static void ValidateEphemeralContainersUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        var spec = updated.Spec ?? new JsonObject();
        PodSpecValidation.ValidateSpec(spec, "spec", errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var container in JsonTree.Objects(spec[list] as JsonArray))
            {
                names.Add(JsonTree.GetString(container, "name") ?? "");
            }
        }
        var i = 0;
        foreach (var container in JsonTree.Objects(spec["ephemeralContainers"] as JsonArray))
        {
            var path = $"spec.ephemeralContainers[{i++}]";
            foreach (var (field, value) in container)
            {
                var empty = value is null || (value is JsonObject o && o.Count == 0) || (value is JsonArray a && a.Count == 0);
                if (!EphemeralContainerFields.Contains(field) && !empty)
                {
                    errors.Add(FieldError.Forbidden($"{path}.{field}", "cannot be set for an Ephemeral Container"));
                }
            }
            var j = 0;
            foreach (var mount in JsonTree.Objects(container["volumeMounts"] as JsonArray))
            {
                if (JsonTree.GetString(mount, "subPath") is { Length: > 0 })
                {
                    errors.Add(FieldError.Forbidden($"{path}.volumeMounts[{j}].subPath", "cannot be set for an Ephemeral Container"));
                }
                j++;
            }
            if (JsonTree.GetString(container, "targetContainerName") is { Length: > 0 } target && !names.Contains(target))
            {
                errors.Add(FieldError.NotFound($"{path}.targetContainerName", target));
            }
        }
        var current = JsonTree.Objects(spec["ephemeralContainers"] as JsonArray)
            .GroupBy(c => JsonTree.GetString(c, "name") ?? "").ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var before in JsonTree.Objects(JsonTree.GetArray(old.Document, "spec", "ephemeralContainers")))
        {
            var name = JsonTree.GetString(before, "name") ?? "";
            if (!current.TryGetValue(name, out var after))
            {
                errors.Add(FieldError.Forbidden("spec.ephemeralContainers", $"existing ephemeral containers \"{name}\" may not be removed\n"));
            }
            else if (!JsonTree.DeepEquals(before, after))
            {
                errors.Add(FieldError.Forbidden("spec.ephemeralContainers", $"existing ephemeral containers \"{name}\" may not be changed\n"));
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
