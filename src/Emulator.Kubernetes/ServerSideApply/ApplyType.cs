using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>What kind of value an <see cref="ApplyType"/> describes.</summary>
public enum ApplyShape
{
    /// <summary>A scalar: always a leaf.</summary>
    Scalar,

    /// <summary>An object with declared fields (a struct).</summary>
    Struct,

    /// <summary>An object whose keys are data (labels, a map of quantities).</summary>
    Map,

    /// <summary>A list.</summary>
    List,

    /// <summary>
    /// Anything (an unmodelled struct, preserved unknown fields): objects are owned key by key, lists as a whole, as
    /// Kubernetes' <c>__untyped_deduced_</c> type.
    /// </summary>
    Deduced,

    /// <summary>Anything, owned as a whole (Kubernetes' <c>__untyped_atomic_</c>: list items of unknown type).</summary>
    Untyped,
}

/// <summary>
/// A node of the schema server-side apply merges and tracks ownership with (structured-merge-diff's schema): how an
/// object, map or list at some place of a kind is owned — field by field, key by key, item by item, or as one value.
/// Built from the model's field schema (<c>kinds.schema</c>: merge keys, list types, atomic structs) or from a
/// CustomResourceDefinition's structural schema (<c>x-kubernetes-list-type</c>, <c>x-kubernetes-list-map-keys</c>,
/// <c>x-kubernetes-map-type</c>); fields are resolved on first use and cached.
/// </summary>
public sealed class ApplyType
{
    private static readonly ConcurrentDictionary<(TypeDefinition Type, bool Atomic), ApplyType> Structs = new();
    private static readonly ConcurrentDictionary<FieldDefinition, ApplyType> FieldTypes = new();
    private static readonly ConcurrentDictionary<TypeReference, ApplyType> References = new();

    private readonly Func<string, FieldInfo?>? _resolveField;
    private readonly ConcurrentDictionary<string, FieldInfo?>? _fields;
    private readonly Func<JsonObject?>? _zero;

    private ApplyType(ApplyShape shape, bool atomic = false, ApplyType? element = null, ListType listType = ListType.Atomic,
        IReadOnlyList<string>? keys = null, Func<string, FieldInfo?>? resolveField = null, bool open = false, Func<JsonObject?>? zero = null)
    {
        Shape = shape;
        Atomic = atomic;
        Element = element;
        ListType = listType;
        Keys = keys ?? [];
        _resolveField = resolveField;
        _fields = resolveField is null ? null : new ConcurrentDictionary<string, FieldInfo?>(StringComparer.Ordinal);
        Open = open;
        _zero = zero;
    }

    /// <summary>A declared field: its type, default and place in the zero value.</summary>
    internal sealed record FieldInfo(ApplyType Type, JsonNode? Default, bool InZeroValue, bool ZeroIsNull, JsonNode? ZeroScalar = null);

    /// <summary>Scalars.</summary>
    public static ApplyType Scalar { get; } = new(ApplyShape.Scalar);

    /// <summary>Anything, objects owned key by key.</summary>
    public static ApplyType Deduced { get; } = new(ApplyShape.Deduced);

    /// <summary>Anything, owned as a whole.</summary>
    public static ApplyType Untyped { get; } = new(ApplyShape.Untyped, atomic: true);

    /// <summary>The shape.</summary>
    public ApplyShape Shape { get; }

    /// <summary>True when the object, map or list is owned as one value.</summary>
    public bool Atomic { get; }

    /// <summary>The type of a map's values, of a struct's undeclared keys (null: none allowed), of a list's items.</summary>
    public ApplyType? Element { get; }

    /// <summary>How a list is merged.</summary>
    public ListType ListType { get; }

    /// <summary>The key fields of a map list.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>True when a struct takes undeclared fields (loosely modelled types): they are deduced.</summary>
    public bool Open { get; }

    /// <summary>The type of a declared field of a struct, or null when the struct does not declare it.</summary>
    public ApplyType? Field(string name) => FieldOf(name)?.Type;

    /// <summary>True when <paramref name="name"/> is a declared field of this struct.</summary>
    public bool Declares(string name) => FieldOf(name) is not null;

    /// <summary>The default of a declared field (a map-list key an item leaves out takes it), or null.</summary>
    public JsonNode? FieldDefault(string name) => FieldOf(name)?.Default;

    internal FieldInfo? FieldOf(string name) => _fields is null ? null : _fields.GetOrAdd(name, _resolveField!);

    /// <summary>
    /// The type of the value under <paramref name="key"/> of an object of this type: a declared field's type, else the
    /// map's value type, else (undeclared keys of open or unmodelled objects) deduced.
    /// </summary>
    public ApplyType ChildType(string key) => Field(key) ?? Element ?? Deduced;

    /// <summary>
    /// The object Go's zero value of this struct serializes to (value structs as objects, fields without omitempty as
    /// their zero or null), or null when nothing is in it: what the API server compares a created object with.
    /// </summary>
    public JsonObject? ZeroValue() => _zero?.Invoke();

    /// <summary>
    /// The value a declared field has in Go's zero value of this struct: a Go object always holds its value structs
    /// and its fields without omitempty, so an object read into its kind's type has them even where its JSON lacks
    /// them. False when the field is left out of the zero value.
    /// </summary>
    public bool TryGetZero(string name, out JsonNode? zero)
    {
        zero = null;
        if (FieldOf(name) is not { InZeroValue: true } field)
        {
            return false;
        }
        if (!field.ZeroIsNull)
        {
            zero = field.Type.Shape == ApplyShape.Struct ? field.Type.ZeroValue() ?? [] : field.ZeroScalar;
        }
        return true;
    }

    /// <summary>The type of a built-in kind, from its schema type.</summary>
    public static ApplyType ForStruct(TypeDefinition type) => StructOf(type, type.Atomic);

    private static ApplyType StructOf(TypeDefinition type, bool atomic) =>
        Structs.GetOrAdd((type, atomic), key => new ApplyType(ApplyShape.Struct, key.Atomic,
            element: key.Type.Open ? Deduced : null,
            resolveField: name => key.Type.Field(name) is { } field ? FieldInfoOf(field) : null,
            open: key.Type.Open,
            zero: () => ZeroOf(key.Type)));

    private static FieldInfo FieldInfoOf(FieldDefinition field) =>
        new(FieldTypes.GetOrAdd(field, OfField), field.Apply.Default, field.Apply.InZeroValue, field.Apply.ZeroIsNull, ZeroScalarOf(field.Type));

    private static JsonNode? ZeroScalarOf(TypeReference type) => type.Shape != TypeShape.Scalar ? null : type.Name switch
    {
        "string" => "",
        "boolean" => false,
        "int32" or "int64" or "number" or "intorstring" => 0,
        "quantity" => "0",
        _ => null,
    };

    private static ApplyType OfField(FieldDefinition field)
    {
        var type = field.Type;
        switch (type.Shape)
        {
            case TypeShape.Struct when type.Definition is { } definition:
                return StructOf(definition, field.Apply.AtomicMap ?? definition.Atomic);
            case TypeShape.Map:
                return new ApplyType(ApplyShape.Map, field.Apply.AtomicMap ?? false, OfReference(type.Element!));
            case TypeShape.List:
                var list = field.ListType;
                return new ApplyType(ApplyShape.List, list == ListType.Atomic, OfReference(type.Element!), list, field.ListMapKeys);
            case TypeShape.Any when field.Apply.AtomicMap == true:
                return Untyped;
            default:
                return OfReference(type);
        }
    }

    private static ApplyType OfReference(TypeReference type) => References.GetOrAdd(type, t => t.Shape switch
    {
        TypeShape.Scalar => Scalar,
        TypeShape.Struct when t.Definition is { } definition => StructOf(definition, definition.Atomic),
        TypeShape.Map => new ApplyType(ApplyShape.Map, false, OfReference(t.Element!)),
        TypeShape.List => new ApplyType(ApplyShape.List, true, OfReference(t.Element!)),
        _ => Deduced,
    });

    private static JsonObject? ZeroOf(TypeDefinition type)
    {
        JsonObject? zero = null;
        foreach (var field in type.Fields.Values)
        {
            if (!field.Apply.InZeroValue)
            {
                continue;
            }
            zero ??= [];
            zero[field.Name] = field.Apply.ZeroIsNull ? null : field.Type.Shape switch
            {
                TypeShape.Struct when field.Type.Definition is { } definition => ZeroOf(definition) ?? [],
                _ => ZeroScalarOf(field.Type),
            };
        }
        return zero;
    }

    /// <summary>
    /// The type of a custom resource: the CRD version's structural schema, with the standard <c>apiVersion</c>,
    /// <c>kind</c> and <c>metadata</c> (ObjectMeta) the API server adds to it.
    /// </summary>
    public static ApplyType ForCustomResource(StructuralSchema schema)
    {
        var objectMeta = FieldSchema.Default.Find("ObjectMeta") is { } meta ? ForStruct(meta) : Deduced;
        var root = OfStructural(schema, preserveUnknown: false);
        return new ApplyType(ApplyShape.Struct, false, root.Element, resolveField: name => name switch
        {
            "apiVersion" or "kind" => new FieldInfo(Scalar, null, false, false),
            "metadata" => new FieldInfo(objectMeta, null, false, false),
            _ => root.FieldOf(name),
        }, open: root.Open);
    }

    private static ApplyType OfStructural(StructuralSchema schema, bool preserveUnknown)
    {
        preserveUnknown |= schema.PreserveUnknownFields;
        switch (schema.Type)
        {
            case "object":
                var atomic = schema.MapType == "atomic";
                if (schema.Properties.Count == 0 && schema.AdditionalProperties is null && !schema.EmbeddedResource)
                {
                    return atomic ? Untyped : Deduced;
                }
                var element = schema.AdditionalProperties is { } additional ? OfStructural(additional, preserveUnknown)
                    : preserveUnknown ? Deduced : null;
                if (schema.Properties.Count == 0 && !schema.EmbeddedResource)
                {
                    return new ApplyType(ApplyShape.Map, atomic, element);
                }
                var fields = new Dictionary<string, FieldInfo>(StringComparer.Ordinal);
                foreach (var (name, property) in schema.Properties)
                {
                    fields[name] = new FieldInfo(OfStructural(property, preserveUnknown), property.Default?.DeepClone(), false, false);
                }
                if (schema.EmbeddedResource)
                {
                    // An embedded resource carries apiVersion, kind and metadata whatever its schema says.
                    fields.TryAdd("apiVersion", new FieldInfo(Scalar, null, false, false));
                    fields.TryAdd("kind", new FieldInfo(Scalar, null, false, false));
                    fields.TryAdd("metadata", new FieldInfo(Deduced, null, false, false));
                }
                return new ApplyType(ApplyShape.Struct, atomic, element, resolveField: name => fields.GetValueOrDefault(name), open: element is not null);
            case "array":
                var items = schema.Items is { } itemSchema ? OfStructural(itemSchema, preserveUnknown) : Untyped;
                var listType = schema.ListType switch
                {
                    "set" => ListType.Set,
                    "map" => ListType.Map,
                    _ => ListType.Atomic,
                };
                return new ApplyType(ApplyShape.List, listType == ListType.Atomic, items, listType, listType == ListType.Map ? schema.ListMapKeys : []);
            case null or "":
                return schema.IntOrString ? Scalar : Deduced;
            default:
                return Scalar;
        }
    }
}
