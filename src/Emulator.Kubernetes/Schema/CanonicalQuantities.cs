using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Schema;

/// <summary>
/// Rewrites every quantity-typed field (resource requests and limits, overhead, node capacity, claim sizes)
/// to its canonical string, as Kubernetes does by decoding into <c>resource.Quantity</c> and encoding again:
/// <c>cpu: 0.5</c> is stored as <c>"500m"</c>, <c>cpu: 1</c> as <c>"1"</c>. Unparsable values are left for validation.
/// </summary>
public static class CanonicalQuantities
{
    /// <summary>Canonicalizes the quantities of a document of the given type in place.</summary>
    public static void Apply(JsonObject document, TypeDefinition type) => WalkStruct(document, type);

    /// <summary>Rewrites the quantities of one value of type <paramref name="type"/> (a field's value) in canonical form.</summary>
    public static void Apply(JsonNode value, TypeReference type) => Walk(value, type);

    private static void WalkStruct(JsonObject obj, TypeDefinition type)
    {
        // By position: a quantity is replaced in place, and the walk allocates nothing for the many objects without one.
        for (var i = 0; i < obj.Count; i++)
        {
            var (key, value) = obj.GetAt(i);
            if (type.Field(key) is not { } field)
            {
                continue;
            }
            if (field.Type is { Shape: TypeShape.Scalar, Name: "quantity" })
            {
                if (Canonical(value) is { } text)
                {
                    obj.SetAt(i, text);
                }
                continue;
            }
            Walk(value, field.Type);
        }
    }

    private static void Walk(JsonNode? value, TypeReference type)
    {
        switch (type.Shape)
        {
            case TypeShape.Struct when value is JsonObject obj && type.Definition is { } definition:
                WalkStruct(obj, definition);
                break;
            case TypeShape.List when value is JsonArray array:
                foreach (var item in array)
                {
                    Walk(item, type.Element!);
                }
                break;
            case TypeShape.Map when value is JsonObject map:
                if (type.Element is { Shape: TypeShape.Scalar, Name: "quantity" })
                {
                    for (var i = 0; i < map.Count; i++)
                    {
                        if (Canonical(map.GetAt(i).Value) is { } text)
                        {
                            map.SetAt(i, text);
                        }
                    }
                }
                else
                {
                    foreach (var (_, item) in map)
                    {
                        Walk(item, type.Element!);
                    }
                }
                break;
        }
    }

    private static string? Canonical(JsonNode? value)
    {
        var text = JsonTree.AsString(value) ?? (value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? v.ToJsonString() : null);
        return Quantity.TryParse(text, out var quantity) ? quantity.ToString() : null;
    }
}
