using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// One node of a CustomResourceDefinition's <c>openAPIV3Schema</c> (a <c>JSONSchemaProps</c>), parsed once per CRD
/// version: what the API server validates custom objects against, prunes unknown fields by and takes defaults from.
/// </summary>
public sealed partial class StructuralSchema
{
    private static readonly IReadOnlyDictionary<string, StructuralSchema> NoProperties = new Dictionary<string, StructuralSchema>();

    private StructuralSchema(JsonObject source)
    {
        Source = source;
    }

    /// <summary>The JSON the node was parsed from.</summary>
    public JsonObject Source { get; }

    /// <summary><c>type</c>: object, array, string, integer, number, boolean, or null when absent.</summary>
    public string? Type { get; private init; }

    /// <summary><c>format</c> (date-time, int32, byte, ...).</summary>
    public string? Format { get; private init; }

    /// <summary><c>nullable</c>: null is a valid value.</summary>
    public bool Nullable { get; private init; }

    /// <summary><c>default</c>, applied when the field is absent.</summary>
    public JsonNode? Default { get; private init; }

    /// <summary><c>properties</c>.</summary>
    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; private init; } = NoProperties;

    /// <summary><c>items</c> (the schema of every element of an array).</summary>
    public StructuralSchema? Items { get; private init; }

    /// <summary><c>additionalProperties</c> as a schema (a map's values).</summary>
    public StructuralSchema? AdditionalProperties { get; private init; }

    /// <summary><c>required</c>.</summary>
    public IReadOnlyList<string> Required { get; private init; } = [];

    /// <summary><c>enum</c>; empty when any value goes.</summary>
    public IReadOnlyList<JsonNode?> Enum { get; private init; } = [];

    /// <summary><c>pattern</c>, as written.</summary>
    public string? Pattern { get; private init; }

    /// <summary><c>pattern</c>, compiled (ECMA-262 semantics are close enough to Go's RE2 for the patterns people write).</summary>
    public Regex? PatternRegex { get; private init; }

    /// <summary><c>maximum</c>.</summary>
    public decimal? Maximum { get; private init; }

    /// <summary><c>exclusiveMaximum</c>.</summary>
    public bool ExclusiveMaximum { get; private init; }

    /// <summary><c>minimum</c>.</summary>
    public decimal? Minimum { get; private init; }

    /// <summary><c>exclusiveMinimum</c>.</summary>
    public bool ExclusiveMinimum { get; private init; }

    /// <summary><c>multipleOf</c>.</summary>
    public decimal? MultipleOf { get; private init; }

    /// <summary><c>maxLength</c>.</summary>
    public long? MaxLength { get; private init; }

    /// <summary><c>minLength</c>.</summary>
    public long? MinLength { get; private init; }

    /// <summary><c>maxItems</c>.</summary>
    public long? MaxItems { get; private init; }

    /// <summary><c>minItems</c>.</summary>
    public long? MinItems { get; private init; }

    /// <summary><c>uniqueItems</c>.</summary>
    public bool UniqueItems { get; private init; }

    /// <summary><c>maxProperties</c>.</summary>
    public long? MaxProperties { get; private init; }

    /// <summary><c>minProperties</c>.</summary>
    public long? MinProperties { get; private init; }

    /// <summary><c>allOf</c>.</summary>
    public IReadOnlyList<StructuralSchema> AllOf { get; private init; } = [];

    /// <summary><c>anyOf</c>.</summary>
    public IReadOnlyList<StructuralSchema> AnyOf { get; private init; } = [];

    /// <summary><c>oneOf</c>.</summary>
    public IReadOnlyList<StructuralSchema> OneOf { get; private init; } = [];

    /// <summary><c>not</c>.</summary>
    public StructuralSchema? Not { get; private init; }

    /// <summary><c>x-kubernetes-preserve-unknown-fields</c>: fields the schema does not name are kept.</summary>
    public bool PreserveUnknownFields { get; private init; }

    /// <summary><c>x-kubernetes-embedded-resource</c>: the value is an object with apiVersion, kind and metadata.</summary>
    public bool EmbeddedResource { get; private init; }

    /// <summary><c>x-kubernetes-int-or-string</c>: an integer or a string.</summary>
    public bool IntOrString { get; private init; }

    /// <summary><c>x-kubernetes-list-type</c>: atomic, set or map.</summary>
    public string? ListType { get; private init; }

    /// <summary><c>x-kubernetes-list-map-keys</c>.</summary>
    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    /// <summary><c>x-kubernetes-validations</c>: CEL rules checked against the value.</summary>
    public IReadOnlyList<ValidationRule> Rules { get; private init; } = [];

    /// <summary><c>x-kubernetes-map-type</c>: atomic or granular (how server-side apply owns an object).</summary>
    public string? MapType { get; private init; }

    /// <summary>Parses a schema node (and everything below it).</summary>
    public static StructuralSchema Parse(JsonObject source) => new(source)
    {
        Type = JsonTree.AsString(source["type"]),
        Format = JsonTree.AsString(source["format"]),
        Nullable = JsonTree.AsBool(source["nullable"]) ?? false,
        Default = source["default"]?.DeepClone(),
        Properties = source["properties"] is JsonObject props
            ? props.Where(p => p.Value is JsonObject).ToDictionary(p => p.Key, p => Parse((JsonObject)p.Value!), StringComparer.Ordinal)
            : NoProperties,
        Items = source["items"] is JsonObject items ? Parse(items) : null,
        AdditionalProperties = source["additionalProperties"] is JsonObject additional ? Parse(additional) : null,
        Required = source["required"] is JsonArray required ? required.Select(JsonTree.AsString).OfType<string>().ToArray() : [],
        Enum = source["enum"] is JsonArray values ? values.Select(v => v?.DeepClone()).ToArray() : [],
        Pattern = JsonTree.AsString(source["pattern"]),
        PatternRegex = CompilePattern(JsonTree.AsString(source["pattern"])),
        Maximum = Number(source["maximum"]),
        ExclusiveMaximum = JsonTree.AsBool(source["exclusiveMaximum"]) ?? false,
        Minimum = Number(source["minimum"]),
        ExclusiveMinimum = JsonTree.AsBool(source["exclusiveMinimum"]) ?? false,
        MultipleOf = Number(source["multipleOf"]),
        MaxLength = JsonTree.AsInt(source["maxLength"]),
        MinLength = JsonTree.AsInt(source["minLength"]),
        MaxItems = JsonTree.AsInt(source["maxItems"]),
        MinItems = JsonTree.AsInt(source["minItems"]),
        UniqueItems = JsonTree.AsBool(source["uniqueItems"]) ?? false,
        MaxProperties = JsonTree.AsInt(source["maxProperties"]),
        MinProperties = JsonTree.AsInt(source["minProperties"]),
        AllOf = Schemas(source["allOf"]),
        AnyOf = Schemas(source["anyOf"]),
        OneOf = Schemas(source["oneOf"]),
        Not = source["not"] is JsonObject not ? Parse(not) : null,
        PreserveUnknownFields = JsonTree.AsBool(source["x-kubernetes-preserve-unknown-fields"]) ?? false,
        EmbeddedResource = JsonTree.AsBool(source["x-kubernetes-embedded-resource"]) ?? false,
        IntOrString = JsonTree.AsBool(source["x-kubernetes-int-or-string"]) ?? false,
        ListType = JsonTree.AsString(source["x-kubernetes-list-type"]),
        ListMapKeys = source["x-kubernetes-list-map-keys"] is JsonArray keys ? keys.Select(JsonTree.AsString).OfType<string>().ToArray() : [],
        MapType = JsonTree.AsString(source["x-kubernetes-map-type"]),
        Rules = source["x-kubernetes-validations"] is JsonArray rules
            ? rules.OfType<JsonObject>().Select(ValidationRule.Parse).ToArray()
            : [],
    };

    /// <summary>
    /// The schema a custom object of a version without one gets: anything goes (kept for CRDs written before
    /// schemas were required; v1 CRDs always have one).
    /// </summary>
    public static StructuralSchema PreserveAll { get; } = Parse(new JsonObject
    {
        ["type"] = "object",
        ["x-kubernetes-preserve-unknown-fields"] = true,
    });

    /// <summary>The CEL rules below this node not evaluated here (not compiled), as <c>PATH: RULE</c>.</summary>
    public IEnumerable<string> UncompiledRules(string path)
    {
        foreach (var rule in Rules.Where(r => r.CompileError is not null))
        {
            yield return $"{path}: {rule.Rule}";
        }
        var children = Properties.Select(p => (Path: $"{path}.properties[{p.Key}]", Schema: p.Value))
            .Concat(Items is null ? [] : [(Path: $"{path}.items", Schema: Items)])
            .Concat(AdditionalProperties is null ? [] : [(Path: $"{path}.additionalProperties", Schema: AdditionalProperties)]);
        foreach (var (childPath, schema) in children)
        {
            foreach (var rule in schema.UncompiledRules(childPath))
            {
                yield return rule;
            }
        }
    }

    private static IReadOnlyList<StructuralSchema> Schemas(JsonNode? node) =>
        node is JsonArray array ? array.OfType<JsonObject>().Select(Parse).ToArray() : [];

    private static decimal? Number(JsonNode? node) =>
        node is JsonValue value && decimal.TryParse(JsonTree.ToCompactJson(value), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static Regex? CompilePattern(string? pattern)
    {
        if (pattern is null)
        {
            return null;
        }
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            // Refused when the CRD is validated; a stored CRD with a bad pattern checks nothing.
            return null;
        }
    }
}
