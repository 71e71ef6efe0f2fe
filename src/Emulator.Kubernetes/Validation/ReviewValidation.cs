using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of the authorization.k8s.io/v1 review requests (<c>ValidateSubjectAccessReview</c> and its self and
/// local variants), which the API server answers without storing them.
/// </summary>
public static class ReviewValidation
{
    /// <summary>SubjectAccessReview: one of resource or non-resource attributes, and a user or a group.</summary>
    public static void ValidateSubjectAccessReview(KubeObject review, List<FieldError> errors)
    {
        var spec = review.Spec ?? [];
        ValidateAttributes(spec, errors);
        if (string.IsNullOrEmpty(JsonTree.GetString(spec, "user")) && spec["groups"] is not JsonArray { Count: > 0 })
        {
            errors.Add(FieldError.Invalid("spec.user", JsonTree.GetString(spec, "user") ?? "", "at least one of user or group must be specified"));
        }
    }

    /// <summary>SelfSubjectAccessReview: one of resource or non-resource attributes (the user is the requester).</summary>
    public static void ValidateSelfSubjectAccessReview(KubeObject review, List<FieldError> errors) =>
        ValidateAttributes(review.Spec ?? [], errors);

    /// <summary>
    /// LocalSubjectAccessReview: a SubjectAccessReview about resources of the review's own namespace only.
    /// </summary>
    public static void ValidateLocalSubjectAccessReview(KubeObject review, List<FieldError> errors)
    {
        var spec = review.Spec ?? [];
        ValidateSubjectAccessReview(review, errors);
        if (spec["nonResourceAttributes"] is JsonObject nonResource)
        {
            errors.Add(FieldError.Invalid("spec.nonResourceAttributes", nonResource, "disallowed on this kind of request"));
        }
        if (spec["resourceAttributes"] is JsonObject attributes && (JsonTree.GetString(attributes, "namespace") ?? "") != (review.Namespace ?? ""))
        {
            errors.Add(FieldError.Invalid("spec.resourceAttributes.namespace", JsonTree.GetString(attributes, "namespace") ?? "", "must match metadata.namespace"));
        }
    }

    private static void ValidateAttributes(JsonObject spec, List<FieldError> errors)
    {
        var resource = spec["resourceAttributes"] as JsonObject;
        var nonResource = spec["nonResourceAttributes"] as JsonObject;
        if (resource is not null && nonResource is not null)
        {
            errors.Add(FieldError.Invalid("spec.nonResourceAttributes", nonResource, "cannot be specified in combination with resourceAttributes"));
        }
        if (resource is null && nonResource is null)
        {
            errors.Add(FieldError.Invalid("spec.resourceAttributes", (JsonNode?)null, "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        }
    }
}
