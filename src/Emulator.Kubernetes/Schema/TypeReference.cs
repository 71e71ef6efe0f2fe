namespace Emulator.Kubernetes.Schema;

/// <summary>What shape a field's value has.</summary>
public enum TypeShape
{
    /// <summary>
    /// A scalar: string, int32, int64, boolean, number, intorstring, quantity, bytes (base64), time, microtime.
    /// </summary>
    Scalar,

    /// <summary>A struct with declared fields.</summary>
    Struct,

    /// <summary>A map from strings to <see cref="TypeReference.Element"/>.</summary>
    Map,

    /// <summary>A list of <see cref="TypeReference.Element"/>.</summary>
    List,

    /// <summary>
    /// Free-form JSON (<c>any</c>), or a struct whose fields are not modelled (<c>object:GoName</c>, which must at least
    /// be a JSON object).
    /// </summary>
    Any,
}

/// <summary>A field type in the schema.</summary>
public sealed class TypeReference
{
    internal TypeReference(TypeShape shape, string name, TypeReference? element = null, string? goName = null)
    {
        Shape = shape;
        Name = name;
        Element = element;
        GoName = goName;
    }

    /// <summary>The Go struct name of an <c>object:GoName</c> field, null for free-form <c>any</c>.</summary>
    public string? GoName { get; }

    /// <summary>True for the integer scalars (<c>int32</c>, <c>int64</c>).</summary>
    public bool IsInteger => Shape == TypeShape.Scalar && Name is "int32" or "int64";

    /// <summary>
    /// The Go type as <c>reflect</c> prints it in decoding errors: <c>int32</c>, <c>[]v1.Container</c>,
    /// <c>map[string]string</c>, <c>[]uint8</c>.
    /// </summary>
    public string GoType => Shape switch
    {
        TypeShape.List => "[]" + Element!.GoType,
        TypeShape.Map => "map[string]" + Element!.GoType,
        TypeShape.Struct => Definition?.GoType ?? "v1." + Name,
        TypeShape.Any => GoName is null ? "interface {}" : "v1." + GoName,
        _ => Name switch
        {
            "boolean" => "bool",
            "number" => "float64",
            "intorstring" => "intstr.IntOrString",
            "quantity" => "resource.Quantity",
            "bytes" => "[]uint8",
            "time" => "v1.Time",
            "microtime" => "v1.MicroTime",
            _ => Name,
        },
    };

    /// <summary>The shape.</summary>
    public TypeShape Shape { get; }

    /// <summary>The scalar or struct type name (<c>string</c>, <c>PodSpec</c>).</summary>
    public string Name { get; }

    /// <summary>The element type of a map or list.</summary>
    public TypeReference? Element { get; }

    /// <summary>The struct definition, resolved after loading.</summary>
    public TypeDefinition? Definition { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => Shape switch
    {
        TypeShape.List => "[]" + Element,
        TypeShape.Map => $"map[{Element}]",
        _ => Name,
    };
}
