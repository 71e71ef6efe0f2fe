using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Applies the <c>fieldValidation</c> mode to a decoded object: unknown fields are dropped (Ignore, Warn) —
/// Kubernetes never stores fields its types lack — or rejected (Strict).
/// </summary>
public static class StrictFieldValidation
{
    /// <summary>Parses the query parameter value (case-sensitive, as Kubernetes; empty means Warn).</summary>
    /// <exception cref="ArgumentException">On an unknown value.</exception>
    public static FieldValidationMode ParseMode(string? value) => value switch
    {
        null or "" or "Warn" => FieldValidationMode.Warn,
        "Ignore" => FieldValidationMode.Ignore,
        "Strict" => FieldValidationMode.Strict,
        _ => throw new ArgumentException($"fieldValidation must be one of \"Ignore\", \"Warn\", \"Strict\", got \"{value}\""),
    };

    /// <summary>
    /// Removes the unknown fields of <paramref name="obj"/> and returns the warnings to send
    /// (<c>unknown field "spec.foo"</c>); under Strict throws instead. Kinds without a schema are left alone.
    /// </summary>
    /// <exception cref="UnknownFieldException">Under Strict when unknown fields are present.</exception>
    public static IReadOnlyList<string> Apply(KubeObject obj, KindInfo kind, FieldValidationMode mode, FieldSchema? schema = null)
    {
        var type = (schema ?? FieldSchema.Default).Find(kind.SchemaType);
        if (type is null)
        {
            return [];
        }
        var unknown = UnknownFields.Find(obj.Document, type);
        if (unknown.Count == 0)
        {
            return [];
        }
        if (mode == FieldValidationMode.Strict)
        {
            throw new UnknownFieldException(kind.Kind, kind.Version, unknown);
        }
        UnknownFields.Prune(obj.Document, type);
        return mode == FieldValidationMode.Warn ? unknown.Select(p => $"unknown field \"{p}\"").ToList() : [];
    }
}
