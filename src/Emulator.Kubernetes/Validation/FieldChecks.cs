using System.Text.Json.Nodes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Kubernetes.Validation;

/// <summary>Small checks shared by the kind validators.</summary>
internal static class FieldChecks
{
    /// <summary><c>must be greater than or equal to 0</c> for a present negative integer.</summary>
    public static void Nonnegative(JsonObject? obj, string field, string path, List<FieldError> errors)
    {
        if (JsonTree.GetInt(obj, field) is { } value && value < 0)
        {
            errors.Add(FieldError.Invalid(path, value, "must be greater than or equal to 0"));
        }
    }

    /// <summary>
    /// Checks that the selector (if it converts) matches the template labels:
    /// <c>spec.template.metadata.labels: Invalid value: {…}: `selector` does not match template `labels`</c>.
    /// A missing selector matches nothing, so it fails too unless <paramref name="skipWhenEmpty"/> (the caller
    /// then reports the missing selector itself).
    /// </summary>
    public static void SelectorMatchesTemplate(JsonObject spec, string specPath, List<FieldError> errors, bool skipWhenEmpty)
    {
        if (skipWhenEmpty && spec["selector"] is not JsonObject)
        {
            return;
        }
        LabelSelector selector;
        try
        {
            selector = LabelSelector.FromJson(spec["selector"]);
        }
        catch (SelectorParseException)
        {
            errors.Add(FieldError.Invalid(specPath + ".selector", spec["selector"], "invalid label selector"));
            return;
        }
        if (skipWhenEmpty && selector.IsEmpty)
        {
            return;
        }
        var labels = JsonTree.Get(spec, "template", "metadata", "labels");
        if (!selector.Matches(JsonTree.StringMap(labels)))
        {
            errors.Add(FieldError.Invalid(specPath + ".template.metadata.labels", labels?.DeepClone(), "`selector` does not match template `labels`"));
        }
    }

    /// <summary>True when a selector object has neither matchLabels nor matchExpressions entries.</summary>
    public static bool IsEmptySelector(JsonObject selector) =>
        (selector["matchLabels"] as JsonObject)?.Count is null or 0 && (selector["matchExpressions"] as JsonArray)?.Count is null or 0;

    /// <summary>An int-or-percent value: a non-negative integer or <c>N%</c>.</summary>
    public static void PositiveIntOrPercent(JsonNode? value, string path, List<FieldError> errors)
    {
        if (JsonTree.AsString(value) is { } text)
        {
            foreach (var message in NameSyntax.IsValidPercent(text))
            {
                errors.Add(FieldError.Invalid(path, text, message));
            }
        }
        else if (JsonTree.AsInt(value) is < 0 and var number)
        {
            errors.Add(FieldError.Invalid(path, number, "must be greater than or equal to 0"));
        }
    }

    /// <summary>The integer or percent number of an int-or-percent (0 when absent or malformed).</summary>
    public static long IntOrPercentValue(JsonNode? value)
    {
        if (JsonTree.AsString(value) is { } text)
        {
            return text.EndsWith('%') && long.TryParse(text[..^1], out var percent) ? percent : 0;
        }
        return JsonTree.AsInt(value) ?? 0;
    }

    /// <summary><c>must not be greater than 100%</c> for a percent above 100.</summary>
    public static void NotMoreThan100Percent(JsonNode? value, string path, List<FieldError> errors)
    {
        if (JsonTree.AsString(value) is { } text && text.EndsWith('%') && long.TryParse(text[..^1], out var percent) && percent > 100)
        {
            errors.Add(FieldError.Invalid(path, text, "must not be greater than 100%"));
        }
    }
}
