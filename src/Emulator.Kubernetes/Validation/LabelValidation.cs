using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of label maps, annotation maps and <c>metav1.LabelSelector</c> objects.</summary>
public static class LabelValidation
{
    /// <summary>Label keys must be qualified names and values valid label values (errors on the map's path).</summary>
    public static void ValidateLabels(JsonNode? labels, string path, List<FieldError> errors)
    {
        if (labels is not JsonObject map)
        {
            return;
        }
        foreach (var (key, value) in map)
        {
            foreach (var message in NameSyntax.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid(path, key, message));
            }
            var text = JsonTree.AsString(value) ?? "";
            foreach (var message in NameSyntax.IsValidLabelValue(text))
            {
                errors.Add(FieldError.Invalid(path, text, message));
            }
        }
    }

    /// <summary>Annotation keys must be qualified names (checked lower-cased); all keys and values together ≤ 256 KiB.</summary>
    public static void ValidateAnnotations(JsonNode? annotations, string path, List<FieldError> errors)
    {
        if (annotations is not JsonObject map)
        {
            return;
        }
        long total = 0;
        foreach (var (key, value) in map)
        {
            foreach (var message in NameSyntax.IsQualifiedName(key.ToLowerInvariant()))
            {
                errors.Add(FieldError.Invalid(path, key, message));
            }
            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(JsonTree.AsString(value) ?? "");
        }
        if (total > MetadataValidation.TotalAnnotationSizeLimit)
        {
            errors.Add(FieldError.TooLong(path, MetadataValidation.TotalAnnotationSizeLimit));
        }
    }

    /// <summary>
    /// Validates a <c>metav1.LabelSelector</c> (<c>ValidateLabelSelector</c>): matchLabels as labels; each
    /// expression's key, operator, and values (required for In/NotIn, forbidden for Exists/DoesNotExist).
    /// </summary>
    public static void ValidateSelector(JsonNode? selector, string path, List<FieldError> errors)
    {
        if (selector is not JsonObject obj)
        {
            return;
        }
        var i = 0;
        foreach (var expression in JsonTree.Objects(obj["matchExpressions"] as JsonArray))
        {
            var expressionPath = $"{path}.matchExpressions[{i++}]";
            var op = JsonTree.GetString(expression, "operator") ?? "";
            var values = expression["values"] as JsonArray;
            switch (op)
            {
                case "In" or "NotIn":
                    if (values is null || values.Count == 0)
                    {
                        errors.Add(FieldError.Required(expressionPath + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case "Exists" or "DoesNotExist":
                    if (values is { Count: > 0 })
                    {
                        errors.Add(FieldError.Forbidden(expressionPath + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                default:
                    errors.Add(FieldError.Invalid(expressionPath + ".operator", op, "not a valid selector operator"));
                    break;
            }
            var key = JsonTree.GetString(expression, "key") ?? "";
            foreach (var message in NameSyntax.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid(expressionPath + ".key", key, message));
            }
            if (values is not null)
            {
                for (var v = 0; v < values.Count; v++)
                {
                    var text = JsonTree.AsString(values[v]) ?? "";
                    foreach (var message in NameSyntax.IsValidLabelValue(text))
                    {
                        errors.Add(FieldError.Invalid($"{expressionPath}.values[{v}]", text, message));
                    }
                }
            }
        }
        ValidateLabels(obj["matchLabels"], path + ".matchLabels", errors);
    }
}
